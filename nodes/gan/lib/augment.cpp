#include "mirflow_gan/augment.hpp"

#include <algorithm>
#include <cmath>

namespace mirflow::gan {

namespace F = torch::nn::functional;

double uniform(torch::Generator& gen, double lo, double hi) {
  return lo + (hi - lo) * torch::rand({1}, gen, torch::kDouble).item<double>();
}

torch::Tensor augment(const torch::Tensor& x, double reference, const AugmentOptions& o, torch::Generator& gen) {
  const std::int64_t h = x.size(2), w = x.size(3);
  const double angle = uniform(gen, -o.rotate_deg, o.rotate_deg) * M_PI / 180.0;
  const double s = 1.0 / uniform(gen, o.scale_min, o.scale_max);  // grid coordinates shrink to magnify
  const double flip_x = uniform(gen, 0, 1) < 0.5 ? -1.0 : 1.0;
  const double aspect = static_cast<double>(h) / static_cast<double>(w);
  // affine_grid works in [−1, 1] per axis; the aspect terms keep the rotation a rotation in pixels.
  const torch::Tensor theta = torch::tensor({{s * std::cos(angle) * flip_x, -s * std::sin(angle) * aspect, 0.0},
                                             {s * std::sin(angle) / aspect * flip_x, s * std::cos(angle), 0.0}},
                                            x.options())
                                  .unsqueeze(0);
  torch::Tensor grid = F::affine_grid(theta, {1, 1, h, w}, false);
  if (o.elastic_px > 0) {
    const auto g = static_cast<std::int64_t>(o.elastic_grid);
    torch::Tensor d = torch::randn({1, 2, g, g}, gen, x.options()) * o.elastic_px;
    d = F::interpolate(d, F::InterpolateFuncOptions().size(std::vector<std::int64_t>{h, w})
                              .mode(torch::kBicubic).align_corners(false));
    // pixels → normalised coordinates, channel 0 is x (width), 1 is y (height)
    d = torch::stack({d[0][0] * (2.0 / w), d[0][1] * (2.0 / h)}, -1).unsqueeze(0);
    grid = grid + d;
  }
  // Bicubic, not bilinear: bilinear resampling at random sub-pixel offsets removes about half the
  // power above 0.3 cycles/pixel (measured on ch2 slices), so the network would learn that real
  // images are smoother than they are and blur edges at test time. Bicubic keeps ~90 % there.
  // LibTorch 1.13's C++ options offer no bicubic, so the ATen op is called (2 = bicubic, 0 = zeros).
  constexpr std::int64_t kBicubic = 2, kZeroPadding = 0;
  torch::Tensor y = torch::grid_sampler(x, grid, kBicubic, kZeroPadding, false);
  const double gamma = std::exp(uniform(gen, std::log(o.gamma_min), std::log(o.gamma_max)));
  const double gain = uniform(gen, 1 - o.contrast, 1 + o.contrast);
  const double shift = uniform(gen, -o.brightness, o.brightness);
  y = (y.clamp_min(0) / reference).pow(gamma) * gain + shift;
  return y.clamp_min(0) * reference;
}

namespace {

// The patch×patch window at (y0, x0) of every tensor, zero-padded at the far sides when smaller.
std::vector<torch::Tensor> crop_at(const std::vector<torch::Tensor>& xs, std::int64_t patch, std::int64_t y0,
                                   std::int64_t x0) {
  const std::int64_t ph = std::max<std::int64_t>(patch - xs[0].size(2), 0);
  const std::int64_t pw = std::max<std::int64_t>(patch - xs[0].size(3), 0);
  std::vector<torch::Tensor> out;
  for (const auto& x : xs) {
    const torch::Tensor p = (ph || pw) ? F::pad(x, F::PadFuncOptions({0, pw, 0, ph})) : x;
    out.push_back(p.slice(2, y0, y0 + patch).slice(3, x0, x0 + patch));
  }
  return out;
}

// The largest top-left corner along a side of n pixels (padded up to patch when smaller).
std::int64_t last_corner(std::int64_t n, std::int64_t patch) { return std::max(n, patch) - patch; }

}  // namespace

std::vector<torch::Tensor> random_crop(const std::vector<torch::Tensor>& xs, std::int64_t patch,
                                       torch::Generator& gen) {
  const std::int64_t h = xs[0].size(2), w = xs[0].size(3);
  const auto y0 = static_cast<std::int64_t>(uniform(gen, 0, 1) * static_cast<double>(last_corner(h, patch) + 1));
  const auto x0 = static_cast<std::int64_t>(uniform(gen, 0, 1) * static_cast<double>(last_corner(w, patch) + 1));
  return crop_at(xs, patch, y0, x0);
}

std::vector<torch::Tensor> content_crop(const std::vector<torch::Tensor>& xs, std::int64_t patch,
                                        const torch::Tensor& content, double level, torch::Generator& gen) {
  const std::int64_t h = xs[0].size(2), w = xs[0].size(3);
  const torch::Tensor where = torch::nonzero((content.reshape({h * w}) >= level)).flatten();
  const std::int64_t count = where.size(0);
  if (count == 0) return random_crop(xs, patch, gen);
  const auto k = std::min(count - 1, static_cast<std::int64_t>(uniform(gen, 0, 1) * static_cast<double>(count)));
  const std::int64_t at = where[k].item<std::int64_t>(), yc = at / w, xc = at % w;
  const std::int64_t y0 = std::clamp<std::int64_t>(yc - patch / 2, 0, last_corner(h, patch));
  const std::int64_t x0 = std::clamp<std::int64_t>(xc - patch / 2, 0, last_corner(w, patch));
  return crop_at(xs, patch, y0, x0);
}

}  // namespace mirflow::gan
