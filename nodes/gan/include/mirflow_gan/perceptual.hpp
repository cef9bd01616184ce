#pragma once
// Perceptual loss: L1 between feature maps of the denoised and the clean image. The features come
// from a TorchScript file the user gives (e.g. VGG-19 traced with PyTorch 1.13: it receives the
// image repeated to 3 channels, in [−1, 1], and may return a tensor or a tuple/list of tensors).
// Without a file, the features are the critic's own intermediate activations (feature matching,
// Salimans et al. 2016): no pretrained network ships with these machines.
#include <filesystem>
#include <optional>

#include <torch/script.h>
#include <torch/torch.h>

#include "mirflow_gan/discriminator.hpp"

namespace mirflow::gan {

class PerceptualLoss {
 public:
  PerceptualLoss() = default;                                  // critic features
  explicit PerceptualLoss(const std::filesystem::path& file);  // TorchScript features; InputError naming the file
  torch::Tensor operator()(const torch::Tensor& fake, const torch::Tensor& real, Discriminator& critic);
  std::string describe() const;

 private:
  std::optional<torch::jit::Module> net_;
  std::filesystem::path file_;
};

// The tensors a TorchScript module returned (a tensor, or a tuple/list of tensors).
std::vector<torch::Tensor> tensors_of(const c10::IValue& v);

}  // namespace mirflow::gan
