#include <cmath>

#include <mirflow/error.hpp>

#include "metrics.hpp"

namespace mirflow::metrics {

Box box_from_list(const std::vector<double>& v, const Image& image, const std::string& what) {
  if (v.size() != 4 && v.size() != 6)
    throw InputError(what + ": a box is [x0, y0, x1, y1] or [x0, y0, z0, x1, y1, z1], got " + std::to_string(v.size()) + " numbers");
  for (double d : v)
    if (d != std::floor(d)) throw InputError(what + ": box corners are pixel indices (integers), got " + std::to_string(d));
  const std::size_t half = v.size() / 2;
  Box b;
  for (std::size_t a = 0; a < half; ++a) {
    b.lo[a] = static_cast<std::int64_t>(v[a]);
    b.hi[a] = static_cast<std::int64_t>(v[a + half]);
  }
  if (half == 2 || image.ndim() == 2) b.lo[2] = 0, b.hi[2] = image.nz();
  for (std::size_t a = 0; a < 3; ++a)
    if (b.lo[a] < 0 || b.hi[a] > image.shape()[a] || b.lo[a] >= b.hi[a])
      throw InputError(what + ": box axis " + std::to_string(a) + " [" + std::to_string(b.lo[a]) + ", " + std::to_string(b.hi[a]) +
                       ") is empty or outside the image " + image.describe());
  return b;
}

}  // namespace mirflow::metrics
