#include "mirflow_physics/phantom.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include <tbb/parallel_for.h>

namespace mirflow::physics {

namespace {
// Modified Shepp–Logan (Toft 1996): value, semi-axes a, b, centre (x0, y0), rotation (degrees).
struct Ellipse {
  double value, a, b, x0, y0, phi_deg;
};
constexpr Ellipse kModifiedSheppLogan[] = {
    {1.0, 0.69, 0.92, 0.0, 0.0, 0.0},          {-0.8, 0.6624, 0.8740, 0.0, -0.0184, 0.0},
    {-0.2, 0.1100, 0.3100, 0.22, 0.0, -18.0},  {-0.2, 0.1600, 0.4100, -0.22, 0.0, 18.0},
    {0.1, 0.2100, 0.2500, 0.0, 0.35, 0.0},     {0.1, 0.0460, 0.0460, 0.0, 0.1, 0.0},
    {0.1, 0.0460, 0.0460, 0.0, -0.1, 0.0},     {0.1, 0.0460, 0.0230, -0.08, -0.605, 0.0},
    {0.1, 0.0230, 0.0230, 0.0, -0.606, 0.0},   {0.1, 0.0230, 0.0460, 0.06, -0.605, 0.0},
};
}  // namespace

Image shepp_logan(std::int64_t nx, std::int64_t ny, double dx, double dy, int oversample) {
  if (nx < 1 || ny < 1 || dx <= 0 || dy <= 0 || oversample < 1)
    throw std::invalid_argument("shepp_logan: sizes, pixel sizes and oversampling must be positive");
  Image im = Image::allocate2d(DType::F32, nx, ny);
  im.geometry().spacing = {dx, dy, 1.0};
  im.geometry().origin = {-0.5 * double(nx - 1) * dx, -0.5 * double(ny - 1) * dy, 0.0};
  const double half = 0.5 * std::min(double(nx) * dx, double(ny) * dy);  // mm of the unit length
  struct Prepared {
    double value, a2, b2, x0, y0, c, s;
  };
  std::vector<Prepared> el;
  for (const Ellipse& e : kModifiedSheppLogan) {
    const double phi = e.phi_deg * std::numbers::pi / 180.0;
    el.push_back({e.value, e.a * e.a, e.b * e.b, e.x0, e.y0, std::cos(phi), std::sin(phi)});
  }
  const int o = oversample;
  float* out = im.data<float>();
  tbb::parallel_for(std::int64_t(0), ny, [&](std::int64_t j) {
    for (std::int64_t i = 0; i < nx; ++i) {
      double acc = 0;
      for (int sj = 0; sj < o; ++sj)
        for (int si = 0; si < o; ++si) {
          const double x = ((double(i) + (si + 0.5) / o - 0.5) - 0.5 * double(nx - 1)) * dx / half;
          // Row 0 is the top of the phantom: phantom y points the other way from the row index.
          const double y = -((double(j) + (sj + 0.5) / o - 0.5) - 0.5 * double(ny - 1)) * dy / half;
          for (const Prepared& e : el) {
            const double xr = (x - e.x0) * e.c + (y - e.y0) * e.s;
            const double yr = -(x - e.x0) * e.s + (y - e.y0) * e.c;
            if (xr * xr / e.a2 + yr * yr / e.b2 <= 1.0) acc += e.value;
          }
        }
      out[j * nx + i] = static_cast<float>(acc / (o * o));
    }
  });
  return im;
}

}  // namespace mirflow::physics
