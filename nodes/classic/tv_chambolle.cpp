#include "tv_chambolle.hpp"

#include <cmath>

namespace mirflow::classic {

Plane tv_chambolle(const Plane& f, double weight, double eps, int max_iter) {
  if (weight <= 0) return f;
  const std::int64_t nx = f.nx, ny = f.ny;
  Plane px(nx, ny), py(nx, ny);  // the dual field p (axis x and axis y components)
  Plane out = f, d(nx, ny);      // d = div p, so that out = f + div p
  const double tau = 0.25;       // 1 / (2·ndim): the step that guarantees convergence in 2-D
  double e_init = 0, e_prev = 0;
  for (int it = 0; it < max_iter; ++it) {
    if (it > 0) {
      // backward-difference divergence, the negative adjoint of the forward gradient below
      for (std::int64_t y = 0; y < ny; ++y)
        for (std::int64_t x = 0; x < nx; ++x) {
          double v = -(py(x, y) + px(x, y));
          if (y > 0) v += py(x, y - 1);
          if (x > 0) v += px(x - 1, y);
          d(x, y) = v;
          out(x, y) = f(x, y) + v;
        }
    }
    double energy = 0;
    for (double v : d.v) energy += v * v;
    double tv = 0;
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x) {
        const double gy = y + 1 < ny ? out(x, y + 1) - out(x, y) : 0.0;
        const double gx = x + 1 < nx ? out(x + 1, y) - out(x, y) : 0.0;
        const double norm = std::sqrt(gx * gx + gy * gy);
        tv += norm;
        const double denom = 1.0 + norm * tau / weight;
        px(x, y) = (px(x, y) - tau * gx) / denom;
        py(x, y) = (py(x, y) - tau * gy) / denom;
      }
    energy = (energy + weight * tv) / static_cast<double>(f.size());
    if (it == 0) {
      e_init = e_prev = energy;
    } else {
      if (std::abs(e_prev - energy) < eps * e_init) break;
      e_prev = energy;
    }
  }
  return out;
}

}  // namespace mirflow::classic
