#include "gaussian_window.hpp"

#include <cmath>

namespace mirflow::metrics {

namespace {

// scipy's 'reflect' index for any offset (periodic with period 2n).
std::int64_t reflect(std::int64_t j, std::int64_t n) {
  const std::int64_t period = 2 * n;
  j %= period;
  if (j < 0) j += period;
  return j < n ? j : period - 1 - j;
}

// scipy's radius int(truncate·σ + 0.5) and weights exp(−x²/2σ²), normalised to sum 1.
std::vector<double> kernel(double sigma, double truncate) {
  const auto r = static_cast<std::int64_t>(truncate * sigma + 0.5);
  std::vector<double> w(static_cast<std::size_t>(2 * r + 1));
  double sum = 0;
  for (std::int64_t k = -r; k <= r; ++k) sum += w[static_cast<std::size_t>(k + r)] = std::exp(-0.5 * double(k * k) / (sigma * sigma));
  for (double& x : w) x /= sum;
  return w;
}

// Filters along one axis: `stride` between neighbours, `n` samples per line.
void filter_axis(Grid& g, const std::vector<double>& w, std::int64_t n, std::int64_t stride) {
  const auto r = static_cast<std::int64_t>(w.size() / 2);
  std::vector<double> line(static_cast<std::size_t>(n)), out(static_cast<std::size_t>(n));
  for (std::int64_t start = 0; start < g.size(); ++start) {
    // A line starts at every index whose coordinate along this axis is 0.
    if ((start / stride) % n != 0) continue;
    for (std::int64_t i = 0; i < n; ++i) line[static_cast<std::size_t>(i)] = g.v[static_cast<std::size_t>(start + i * stride)];
    for (std::int64_t i = 0; i < n; ++i) {
      double s = 0;
      for (std::int64_t k = -r; k <= r; ++k) s += w[static_cast<std::size_t>(k + r)] * line[static_cast<std::size_t>(reflect(i + k, n))];
      out[static_cast<std::size_t>(i)] = s;
    }
    for (std::int64_t i = 0; i < n; ++i) g.v[static_cast<std::size_t>(start + i * stride)] = out[static_cast<std::size_t>(i)];
  }
}

}  // namespace

Grid gaussian_smooth(const Grid& g, double sigma, double truncate) {
  const std::vector<double> w = kernel(sigma, truncate);
  Grid out = g;
  filter_axis(out, w, g.nx, 1);
  filter_axis(out, w, g.ny, g.nx);
  if (g.ndim == 3) filter_axis(out, w, g.nz, g.nx * g.ny);
  return out;
}

}  // namespace mirflow::metrics
