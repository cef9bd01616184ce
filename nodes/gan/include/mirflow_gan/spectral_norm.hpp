#pragma once
// Spectral normalisation (Miyato et al. 2018) for a 2-D convolution. LibTorch 1.13's C++ API has
// no spectral_norm, so the weight is divided by its largest singular value, estimated by power
// iteration on the weight reshaped to out × (in·k·k). u and v are buffers: saved with the model
// and refined by one iteration per training forward pass (eval mode reuses them unchanged).
#include <torch/torch.h>

namespace mirflow::gan {

struct SNConv2dOptions {
  std::int64_t in = 1, out = 1, kernel = 3, stride = 1, padding = 1;
  int power_iterations = 1;  // per training forward pass
};

class SNConv2dImpl : public torch::nn::Module {
 public:
  explicit SNConv2dImpl(SNConv2dOptions o);
  torch::Tensor forward(const torch::Tensor& x);
  // W / σ̂(W); in training mode first refines u and v by `power_iterations` steps.
  torch::Tensor normalised_weight();
  // σ̂ from the current u, v (no refinement).
  double sigma_estimate();

  torch::Tensor weight, bias, u, v;

 private:
  SNConv2dOptions o_;
};
TORCH_MODULE(SNConv2d);

}  // namespace mirflow::gan
