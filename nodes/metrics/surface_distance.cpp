#include <algorithm>

#include <mirflow/error.hpp>

#include "metrics.hpp"

namespace mirflow::metrics {

std::vector<std::uint8_t> surface(const std::vector<std::uint8_t>& mask, const std::array<std::int64_t, 3>& shape, int ndim) {
  const std::int64_t nx = shape[0], ny = shape[1], nz = shape[2];
  auto fg = [&](std::int64_t x, std::int64_t y, std::int64_t z) {
    // Outside the image counts as background, so a mask touching the border has a surface there.
    if (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz) return false;
    return mask[static_cast<std::size_t>((z * ny + y) * nx + x)] != 0;
  };
  std::vector<std::uint8_t> s(mask.size(), 0);
  for (std::int64_t z = 0; z < nz; ++z)
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x) {
        if (!fg(x, y, z)) continue;
        bool edge = !fg(x - 1, y, z) || !fg(x + 1, y, z) || !fg(x, y - 1, z) || !fg(x, y + 1, z);
        if (ndim == 3) edge = edge || !fg(x, y, z - 1) || !fg(x, y, z + 1);
        s[static_cast<std::size_t>((z * ny + y) * nx + x)] = edge;
      }
  return s;
}

SurfaceDistances surface_distances(const Image& a, const Image& b, std::int64_t label) {
  check_same_shape(a, "mask", b, "reference");
  const std::array<std::int64_t, 3> shape = b.shape();
  std::array<double, 3> spacing = b.geometry().spacing;
  for (double s : spacing)
    if (!(s > 0)) throw InputError("reference: pixel spacing must be positive to measure distances in mm");
  const std::vector<std::uint8_t> sa = surface(foreground(a, label), shape, b.ndim());
  const std::vector<std::uint8_t> sb = surface(foreground(b, label), shape, b.ndim());
  const bool empty_a = std::none_of(sa.begin(), sa.end(), [](std::uint8_t v) { return v != 0; });
  const bool empty_b = std::none_of(sb.begin(), sb.end(), [](std::uint8_t v) { return v != 0; });
  if (empty_a && empty_b) return {0.0, 0.0};
  if (empty_a || empty_b) return {};

  const std::vector<double> to_b = distance_to(sb, shape, spacing), to_a = distance_to(sa, shape, spacing);
  double max_d = 0, sum = 0;
  std::int64_t n = 0;
  for (std::size_t i = 0; i < sa.size(); ++i) {
    if (sa[i]) max_d = std::max(max_d, to_b[i]), sum += to_b[i], ++n;
    if (sb[i]) max_d = std::max(max_d, to_a[i]), sum += to_a[i], ++n;
  }
  return {max_d, sum / double(n)};
}

}  // namespace mirflow::metrics
