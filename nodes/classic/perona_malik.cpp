#include "perona_malik.hpp"

#include <cmath>
#include <stdexcept>

namespace mirflow::classic {

Plane perona_malik(const Plane& f, double kappa, int steps, double dt, Conductance g) {
  if (dt <= 0 || dt > 0.25) throw std::invalid_argument("perona_malik: dt must be in (0, 0.25]");
  if (kappa <= 0 || steps <= 0) return f;
  auto conductance = [&](double grad) {
    const double r = grad / kappa;
    return g == Conductance::Exponential ? std::exp(-r * r) : 1.0 / (1.0 + r * r);
  };
  Plane u = f, next(f.nx, f.ny);
  // flux through each edge, computed once so that both pixels see the same value (mass conservation)
  Plane flux_x(f.nx, f.ny), flux_y(f.nx, f.ny);
  for (int step = 0; step < steps; ++step) {
    for (std::int64_t y = 0; y < u.ny; ++y)
      for (std::int64_t x = 0; x < u.nx; ++x) {
        // edge between (x, y) and (x+1, y), and between (x, y) and (x, y+1); none past the border
        const double dx = x + 1 < u.nx ? u(x + 1, y) - u(x, y) : 0.0;
        const double dy = y + 1 < u.ny ? u(x, y + 1) - u(x, y) : 0.0;
        flux_x(x, y) = conductance(std::abs(dx)) * dx;
        flux_y(x, y) = conductance(std::abs(dy)) * dy;
      }
    for (std::int64_t y = 0; y < u.ny; ++y)
      for (std::int64_t x = 0; x < u.nx; ++x) {
        double div = flux_x(x, y) + flux_y(x, y);
        if (x > 0) div -= flux_x(x - 1, y);
        if (y > 0) div -= flux_y(x, y - 1);
        next(x, y) = u(x, y) + dt * div;
      }
    std::swap(u, next);
  }
  return u;
}

}  // namespace mirflow::classic
