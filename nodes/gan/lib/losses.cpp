#include "mirflow_gan/losses.hpp"

#include <cmath>

namespace mirflow::gan {

torch::Tensor gradient_penalty(Discriminator& critic, const torch::Tensor& real, const torch::Tensor& fake,
                               const torch::Tensor& epsilon) {
  const torch::Tensor e = epsilon.to(real.dtype()).view({-1, 1, 1, 1});
  const torch::Tensor mixed = (e * real.detach() + (1 - e) * fake.detach()).requires_grad_(true);
  const torch::Tensor score = critic->forward(mixed).score();
  const torch::Tensor grad = torch::autograd::grad({score.sum()}, {mixed}, /*grad_outputs=*/{},
                                                   /*retain_graph=*/true, /*create_graph=*/true)[0];
  const torch::Tensor norm = grad.flatten(1).norm(2, 1);
  return (norm - 1).pow(2).mean();
}

namespace {
torch::Tensor gaussian_window(const torch::Tensor& like) {
  const int size = 11;
  const double sigma = 1.5;
  torch::Tensor g = torch::arange(size, like.options()) - (size - 1) / 2.0;
  g = torch::exp(-(g * g) / (2 * sigma * sigma));
  g = g / g.sum();
  return torch::outer(g, g).view({1, 1, size, size});
}
}  // namespace

torch::Tensor ssim(const torch::Tensor& x, const torch::Tensor& y, double data_range) {
  const torch::Tensor w = gaussian_window(x);
  auto filt = [&](const torch::Tensor& t) { return torch::conv2d(t, w); };
  const double c1 = std::pow(0.01 * data_range, 2), c2 = std::pow(0.03 * data_range, 2);
  const torch::Tensor mx = filt(x), my = filt(y);
  const torch::Tensor vx = filt(x * x) - mx * mx, vy = filt(y * y) - my * my, cxy = filt(x * y) - mx * my;
  const torch::Tensor map = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
  return map.mean();
}

torch::Tensor tv_loss(const torch::Tensor& x) {
  const std::int64_t h = x.size(2), w = x.size(3);
  const torch::Tensor dy = x.slice(2, 1, h) - x.slice(2, 0, h - 1);
  const torch::Tensor dx = x.slice(3, 1, w) - x.slice(3, 0, w - 1);
  return dx.abs().mean() + dy.abs().mean();
}

double psnr(const torch::Tensor& x, const torch::Tensor& y, double data_range) {
  const double mse = (x - y).to(torch::kDouble).pow(2).mean().item<double>();
  return 10.0 * std::log10(data_range * data_range / mse);
}

}  // namespace mirflow::gan
