#pragma once
// PatchGAN critic: five spectrally normalised 4×4 / 3×3 convolutions with w, 2w, 4w, 8w and 1
// channels (w = 64 in the design), the first four with stride 2, LeakyReLU(0.2) after all but the
// last (linear), plus multi-scale heads: 3×3 spectrally normalised 1-channel convolutions on the
// 2w and 4w features. No batch normalisation: the gradient penalty is per sample.
#include <torch/torch.h>

#include "mirflow_gan/spectral_norm.hpp"

namespace mirflow::gan {

struct DiscriminatorOptions {
  std::int64_t width = 64;
};

struct CriticOutput {
  std::vector<torch::Tensor> maps;      // patch scores: final layer, then the heads
  std::vector<torch::Tensor> features;  // after each LeakyReLU, for feature matching
  // One WGAN score per sample: the sum over maps of each map's spatial mean (N).
  torch::Tensor score() const;
};

class DiscriminatorImpl : public torch::nn::Module {
 public:
  explicit DiscriminatorImpl(DiscriminatorOptions o = {});
  CriticOutput forward(const torch::Tensor& x);  // x: N×1×H×W in [−1, 1], H, W >= 16
  std::vector<SNConv2d> layers() const;          // every spectrally normalised layer

 private:
  std::vector<SNConv2d> body_;
  SNConv2d head2_{nullptr}, head3_{nullptr};
};
TORCH_MODULE(Discriminator);

}  // namespace mirflow::gan
