#pragma once
// The training losses. Images are N×1×H×W.
#include <torch/torch.h>

#include "mirflow_gan/discriminator.hpp"

namespace mirflow::gan {

// WGAN-GP (Gulrajani et al. 2017): mean over the batch of (‖∇x̂ D(x̂)‖₂ − 1)², x̂ = ε·real +
// (1 − ε)·fake with ε ∈ [0, 1] per sample (N). create_graph: the penalty is differentiable in D's
// weights.
torch::Tensor gradient_penalty(Discriminator& critic, const torch::Tensor& real, const torch::Tensor& fake,
                               const torch::Tensor& epsilon);

// Mean SSIM (Wang et al. 2004) with an 11×11 Gaussian window (σ = 1.5), K1 = 0.01, K2 = 0.03,
// population covariances, averaged over the valid (unpadded) window positions — the same
// definition as skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5,
// use_sample_covariance=False, data_range=data_range). Images must be at least 11×11.
torch::Tensor ssim(const torch::Tensor& x, const torch::Tensor& y, double data_range);
inline torch::Tensor ssim_loss(const torch::Tensor& x, const torch::Tensor& y, double data_range = 2.0) {
  return 1 - ssim(x, y, data_range);
}

// Anisotropic total variation: mean |∂x| + mean |∂y| (forward differences inside the image).
torch::Tensor tv_loss(const torch::Tensor& x);

// PSNR in dB of x against the reference y for a given data range (per call, all pixels).
double psnr(const torch::Tensor& x, const torch::Tensor& y, double data_range);

}  // namespace mirflow::gan
