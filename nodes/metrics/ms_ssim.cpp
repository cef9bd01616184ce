#include <algorithm>
#include <cmath>

#include <mirflow/error.hpp>

#include "metrics.hpp"

namespace mirflow::metrics {

namespace {

// 2×2 block means; an odd last row or column has no partner and is dropped.
Grid halve(const Grid& g) {
  Grid h(g.nx / 2, g.ny / 2, 1, 2);
  for (std::int64_t y = 0; y < h.ny; ++y)
    for (std::int64_t x = 0; x < h.nx; ++x)
      h.at(x, y) = 0.25 * (g.at(2 * x, 2 * y) + g.at(2 * x + 1, 2 * y) + g.at(2 * x, 2 * y + 1) + g.at(2 * x + 1, 2 * y + 1));
  return h;
}

MsSsim ms_ssim_plane(Grid x, Grid y, double data_range) {
  // Scales that fit: scale j has floor(n / 2^j) pixels per axis and needs the SSIM window.
  int scales = 0;
  for (std::int64_t n = std::min(x.nx, x.ny); scales < int(kMsSsimWeights.size()) && n >= kSsimWindow; n /= 2) ++scales;
  if (scales == 0)
    throw InputError("ms_ssim needs at least " + std::to_string(kSsimWindow) + " pixels along x and y, got " +
                     std::to_string(x.nx) + "x" + std::to_string(x.ny));
  double weight_sum = 0;
  for (int j = 0; j < scales; ++j) weight_sum += kMsSsimWeights[static_cast<std::size_t>(j)];

  double value = 1;
  for (int j = 0; j < scales; ++j) {
    const SsimParts p = ssim_parts(x, y, data_range);
    const bool last = j == scales - 1;
    // Clamped at 0: a negative cs or SSIM (anti-correlated images) has no real fractional power.
    const double term = std::max(0.0, last ? p.ssim : p.cs);
    value *= std::pow(term, kMsSsimWeights[static_cast<std::size_t>(j)] / weight_sum);
    if (!last) {
      x = halve(x);
      y = halve(y);
    }
  }
  return {value, scales};
}

}  // namespace

MsSsim ms_ssim(const Grid& x, const Grid& y, double data_range) {
  if (x.ndim == 2) return ms_ssim_plane(x, y, data_range);
  MsSsim mean{0, 0};
  for (std::int64_t z = 0; z < x.nz; ++z) {
    const MsSsim s = ms_ssim_plane(x.plane(z), y.plane(z), data_range);
    mean.value += s.value / double(x.nz);
    mean.scales = s.scales;
  }
  return mean;
}

MsSsim ms_ssim(const Image& image, const Image& reference, double data_range) {
  check_same_shape(image, "image", reference, "reference");
  return ms_ssim(to_grid(image, "image"), to_grid(reference, "reference"), data_range);
}

}  // namespace mirflow::metrics
