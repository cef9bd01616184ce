// FSIM (Zhang et al. 2011), grey level, as FeatureSIM.m: average-downsample by
// F = max(1, round(min(rows, cols)/256)), phase congruency PC and Scharr gradient magnitude G,
// S = S_PC · S_G weighted by max(PC1, PC2).
#include <algorithm>
#include <cmath>

#include <mirflow/error.hpp>

#include "metrics.hpp"

namespace mirflow::metrics {

namespace {

constexpr double kT1 = 0.85, kT2 = 160;  // published constants, for 8-bit intensities

// conv2(Y, ones(F)/F², 'same') with zeros outside, sampled at every F-th pixel from the first.
Grid downsample(const Grid& g, std::int64_t f) {
  if (f == 1) return g;
  const std::int64_t nx = (g.nx + f - 1) / f, ny = (g.ny + f - 1) / f;
  const std::int64_t back = f - 1 - f / 2;  // MATLAB's 'same' window: [i − (F−1−⌊F/2⌋), i + ⌊F/2⌋]
  Grid d(nx, ny, 1, 2);
  for (std::int64_t y = 0; y < ny; ++y)
    for (std::int64_t x = 0; x < nx; ++x) {
      double s = 0;
      for (std::int64_t j = y * f - back; j <= y * f + f / 2; ++j)
        for (std::int64_t i = x * f - back; i <= x * f + f / 2; ++i)
          if (i >= 0 && j >= 0 && i < g.nx && j < g.ny) s += g.at(i, j);
      d.at(x, y) = s / double(f * f);
    }
  return d;
}

// Scharr gradient magnitude with zeros outside the image (conv2 'same').
Grid gradient_magnitude(const Grid& g) {
  static constexpr double kx[3][3] = {{3, 0, -3}, {10, 0, -10}, {3, 0, -3}};
  Grid m(g.nx, g.ny, 1, 2);
  for (std::int64_t y = 0; y < g.ny; ++y)
    for (std::int64_t x = 0; x < g.nx; ++x) {
      double gx = 0, gy = 0;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const std::int64_t i = x + dx, j = y + dy;
          if (i < 0 || j < 0 || i >= g.nx || j >= g.ny) continue;
          const double v = g.at(i, j);
          gx += kx[dy + 1][dx + 1] * v / 16;
          gy += kx[dx + 1][dy + 1] * v / 16;  // the transposed kernel
        }
      m.at(x, y) = std::sqrt(gx * gx + gy * gy);
    }
  return m;
}

double fsim_plane(const Grid& a, const Grid& b, double data_range) {
  const double scale = 255.0 / data_range;
  Grid y1 = a, y2 = b;
  for (double& v : y1.v) v *= scale;
  for (double& v : y2.v) v *= scale;
  const auto f = std::max<std::int64_t>(1, std::llround(double(std::min(a.nx, a.ny)) / 256.0));
  y1 = downsample(y1, f);
  y2 = downsample(y2, f);
  const Grid pc1 = phase_congruency(y1), pc2 = phase_congruency(y2);
  const Grid g1 = gradient_magnitude(y1), g2 = gradient_magnitude(y2);
  double num = 0, den = 0;
  for (std::size_t k = 0; k < pc1.v.size(); ++k) {
    const double s_pc = (2 * pc1.v[k] * pc2.v[k] + kT1) / (pc1.v[k] * pc1.v[k] + pc2.v[k] * pc2.v[k] + kT1);
    const double s_g = (2 * g1.v[k] * g2.v[k] + kT2) / (g1.v[k] * g1.v[k] + g2.v[k] * g2.v[k] + kT2);
    const double pcm = std::max(pc1.v[k], pc2.v[k]);
    num += s_pc * s_g * pcm;
    den += pcm;
  }
  if (!(den > 0)) throw InputError("fsim is undefined: neither image has any phase-congruent feature (flat images)");
  return num / den;
}

}  // namespace

double fsim(const Grid& image, const Grid& reference, double data_range) {
  if (!(data_range > 0)) throw InputError("fsim: data_range must be > 0, got " + std::to_string(data_range));
  if (image.nx < 3 || image.ny < 3) throw InputError("fsim needs at least 3x3 pixels");
  if (image.ndim == 2) return fsim_plane(image, reference, data_range);
  double mean = 0;
  for (std::int64_t z = 0; z < image.nz; ++z) mean += fsim_plane(image.plane(z), reference.plane(z), data_range) / double(image.nz);
  return mean;
}

double fsim(const Image& image, const Image& reference, double data_range) {
  check_same_shape(image, "image", reference, "reference");
  return fsim(to_grid(image, "image"), to_grid(reference, "reference"), data_range);
}

}  // namespace mirflow::metrics
