#include <cmath>
#include <functional>

#include <mirflow/error.hpp>

#include "metrics.hpp"

namespace mirflow::metrics {

namespace {

// Population standard deviation of the pixels the predicate selects (two-pass: no cancellation).
double region_std(const Grid& g, const std::function<bool(std::int64_t, std::int64_t, std::int64_t)>& inside) {
  double sum = 0;
  std::int64_t n = 0;
  for (std::int64_t z = 0; z < g.nz; ++z)
    for (std::int64_t y = 0; y < g.ny; ++y)
      for (std::int64_t x = 0; x < g.nx; ++x)
        if (inside(x, y, z)) sum += g.at(x, y, z), ++n;
  if (n < 2) throw InputError("noise_reduction: the region holds " + std::to_string(n) + " pixels, it needs at least 2");
  const double mean = sum / double(n);
  double ss = 0;
  for (std::int64_t z = 0; z < g.nz; ++z)
    for (std::int64_t y = 0; y < g.ny; ++y)
      for (std::int64_t x = 0; x < g.nx; ++x)
        if (inside(x, y, z)) ss += (g.at(x, y, z) - mean) * (g.at(x, y, z) - mean);
  return std::sqrt(ss / double(n));
}

double ratio(const Image& noisy, const Image& denoised, const std::function<bool(std::int64_t, std::int64_t, std::int64_t)>& inside) {
  check_same_shape(noisy, "noisy", denoised, "image");
  return region_std(to_grid(noisy, "noisy"), inside) / region_std(to_grid(denoised, "image"), inside);
}

}  // namespace

double noise_reduction(const Image& noisy, const Image& denoised, const Box& b) {
  return ratio(noisy, denoised, [&](std::int64_t x, std::int64_t y, std::int64_t z) {
    return x >= b.lo[0] && x < b.hi[0] && y >= b.lo[1] && y < b.hi[1] && z >= b.lo[2] && z < b.hi[2];
  });
}

double noise_reduction(const Image& noisy, const Image& denoised, const Image& roi_mask) {
  check_same_shape(roi_mask, "mask", denoised, "image");
  const Grid m = to_grid(roi_mask, "mask");
  return ratio(noisy, denoised, [&](std::int64_t x, std::int64_t y, std::int64_t z) { return m.at(x, y, z) != 0; });
}

}  // namespace mirflow::metrics
