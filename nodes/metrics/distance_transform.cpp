// Exact Euclidean distance transform with anisotropic spacing (Felzenszwalb & Huttenlocher 2012):
// squared distances by the lower envelope of parabolas, one axis after the other.
#include <cmath>
#include <limits>

#include "metrics.hpp"

namespace mirflow::metrics {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// d[q] = min_p ((q − p)·h)² + f[p] over one line (f may hold +inf: no seed reaches there yet).
void envelope_1d(const std::vector<double>& f, std::vector<double>& d, double h, std::vector<std::int64_t>& v,
                 std::vector<double>& z) {
  const auto n = static_cast<std::int64_t>(f.size());
  std::int64_t k = -1;
  for (std::int64_t q = 0; q < n; ++q) {
    const double fq = f[static_cast<std::size_t>(q)];
    if (fq == kInf) continue;
    double s = -kInf;
    while (k >= 0) {
      const std::int64_t p = v[static_cast<std::size_t>(k)];
      const double xq = double(q) * h, xp = double(p) * h;
      s = ((fq + xq * xq) - (f[static_cast<std::size_t>(p)] + xp * xp)) / (2 * (xq - xp));
      if (s > z[static_cast<std::size_t>(k)]) break;
      --k;
    }
    if (k < 0) s = -kInf;
    ++k;
    v[static_cast<std::size_t>(k)] = q;
    z[static_cast<std::size_t>(k)] = s;
    z[static_cast<std::size_t>(k + 1)] = kInf;
  }
  if (k < 0) {
    std::fill(d.begin(), d.end(), kInf);
    return;
  }
  std::int64_t j = 0;
  for (std::int64_t q = 0; q < n; ++q) {
    const double xq = double(q) * h;
    while (z[static_cast<std::size_t>(j + 1)] < xq) ++j;
    const std::int64_t p = v[static_cast<std::size_t>(j)];
    const double dx = xq - double(p) * h;
    d[static_cast<std::size_t>(q)] = dx * dx + f[static_cast<std::size_t>(p)];
  }
}

void transform_axis(std::vector<double>& g, const std::array<std::int64_t, 3>& shape, int axis, double h) {
  const std::array<std::int64_t, 3> stride{1, shape[0], shape[0] * shape[1]};
  const std::int64_t n = shape[static_cast<std::size_t>(axis)], st = stride[static_cast<std::size_t>(axis)];
  std::vector<double> f(static_cast<std::size_t>(n)), d(static_cast<std::size_t>(n));
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  std::vector<double> z(static_cast<std::size_t>(n + 1));
  const std::int64_t total = shape[0] * shape[1] * shape[2];
  for (std::int64_t start = 0; start < total; ++start) {
    if ((start / st) % n != 0) continue;  // not the first sample of a line along this axis
    for (std::int64_t i = 0; i < n; ++i) f[static_cast<std::size_t>(i)] = g[static_cast<std::size_t>(start + i * st)];
    envelope_1d(f, d, h, v, z);
    for (std::int64_t i = 0; i < n; ++i) g[static_cast<std::size_t>(start + i * st)] = d[static_cast<std::size_t>(i)];
  }
}

}  // namespace

std::vector<double> distance_to(const std::vector<std::uint8_t>& seed, const std::array<std::int64_t, 3>& shape,
                                const std::array<double, 3>& spacing) {
  std::vector<double> g(seed.size());
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = seed[i] ? 0.0 : kInf;
  for (int axis = 0; axis < 3; ++axis)
    if (shape[static_cast<std::size_t>(axis)] > 1) transform_axis(g, shape, axis, spacing[static_cast<std::size_t>(axis)]);
  for (double& x : g) x = std::sqrt(x);
  return g;
}

}  // namespace mirflow::metrics
