#pragma once
// Building blocks of the generator: conv + instance norm + LeakyReLU, channel attention,
// spatial attention and the residual attention block that combines them (CBAM-style).
#include <torch/torch.h>

namespace mirflow::gan {

// 3×3 convolution (zero padding 1), instance normalisation (affine), LeakyReLU(0.2).
class ConvNormActImpl : public torch::nn::Module {
 public:
  ConvNormActImpl(std::int64_t in, std::int64_t out);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv{nullptr};
  torch::nn::InstanceNorm2d norm{nullptr};
};
TORCH_MODULE(ConvNormAct);

// Squeeze-excitation over channels from average- and max-pooled descriptors; returns weights
// N×C×1×1 in (0, 1).
class ChannelAttentionImpl : public torch::nn::Module {
 public:
  explicit ChannelAttentionImpl(std::int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d squeeze{nullptr}, excite{nullptr};
};
TORCH_MODULE(ChannelAttention);

// A 7×7 convolution over the channel mean and max; returns weights N×1×H×W in (0, 1).
class SpatialAttentionImpl : public torch::nn::Module {
 public:
  SpatialAttentionImpl();
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(SpatialAttention);

// x + SA(CA(r)) where r = conv-norm-act(x) then conv: a residual that attention gates per channel
// and per pixel.
class ResidualAttentionImpl : public torch::nn::Module {
 public:
  explicit ResidualAttentionImpl(std::int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  ConvNormAct body{nullptr};
  torch::nn::Conv2d out{nullptr};
  ChannelAttention channel{nullptr};
  SpatialAttention spatial{nullptr};
};
TORCH_MODULE(ResidualAttention);

// One resolution level: two conv-norm-acts with dense connections (the second sees the input and
// the first's output, a 1×1 fuses all three), then a residual attention block.
class DenseLevelImpl : public torch::nn::Module {
 public:
  DenseLevelImpl(std::int64_t in, std::int64_t out);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  ConvNormAct first{nullptr}, second{nullptr};
  torch::nn::Conv2d fuse{nullptr};
  ResidualAttention attention{nullptr};
};
TORCH_MODULE(DenseLevel);

}  // namespace mirflow::gan
