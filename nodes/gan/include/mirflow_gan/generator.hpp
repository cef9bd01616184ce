#pragma once
// The denoising generator: a U-Net with `levels` down-samplings (2×2 max pooling), a dense level
// with a residual attention block at every resolution, multi-resolution skip aggregation in the
// decoder (every finer encoder level, max-pooled to the decoder's size, joins the usual skip),
// nearest up-sampling then convolution (ConvTranspose2d is ~15× slower on this LibTorch), and a
// global residual: out = tanh(head(features) + atanh(x)), so the identity is representable and
// the output lies in (−1, 1). Any H×W: the input is padded (replicate) to a multiple of
// 2^levels and the output cropped back.
#include <torch/torch.h>

#include "mirflow_gan/attention.hpp"

namespace mirflow::gan {

struct GeneratorOptions {
  std::int64_t width = 8;   // channels at full resolution; ×2 per level up to ×8
  std::int64_t levels = 5;  // down-samplings
};

class GeneratorImpl : public torch::nn::Module {
 public:
  explicit GeneratorImpl(GeneratorOptions o = {});
  // x: N×1×H×W in [−1, 1]; returns N×1×H×W in (−1, 1).
  torch::Tensor forward(const torch::Tensor& x);
  const GeneratorOptions& options() const { return o_; }
  std::int64_t channels(std::int64_t level) const;

 private:
  torch::Tensor forward_padded(const torch::Tensor& x);
  GeneratorOptions o_;
  std::vector<DenseLevel> encoder_, decoder_;
  std::vector<torch::nn::Conv2d> up_;                      // after up-sampling, per decoder level
  std::vector<std::vector<torch::nn::Conv2d>> aggregate_;  // [level][finer level] 1×1 projections
  torch::nn::Conv2d head_{nullptr};
};
TORCH_MODULE(Generator);

// Copies every parameter and buffer of `from` into `to` (same architecture).
void copy_weights(torch::nn::Module& to, const torch::nn::Module& from);

}  // namespace mirflow::gan
