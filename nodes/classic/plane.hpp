#pragma once
// A 2-D float64 working image: the denoisers compute in double on one slice at a time.
#include <cstdint>
#include <vector>

namespace mirflow::classic {

struct Plane {
  std::int64_t nx = 0, ny = 0;  // x (columns) varies fastest, as in mirflow::Image
  std::vector<double> v;

  Plane() = default;
  Plane(std::int64_t nx_, std::int64_t ny_, double fill = 0.0)
      : nx(nx_), ny(ny_), v(static_cast<std::size_t>(nx_ * ny_), fill) {}
  double& operator()(std::int64_t x, std::int64_t y) { return v[static_cast<std::size_t>(y * nx + x)]; }
  double operator()(std::int64_t x, std::int64_t y) const { return v[static_cast<std::size_t>(y * nx + x)]; }
  std::int64_t size() const { return nx * ny; }
};

}  // namespace mirflow::classic
