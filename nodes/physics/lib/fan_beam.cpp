#include "mirflow_physics/fan_beam.hpp"

#include <cmath>
#include <numbers>

#include <mirflow/error.hpp>

namespace mirflow::physics {

FanBeamProjector::FanBeamProjector(ProjectionGeometry geometry) : RayProjector(std::move(geometry)) {
  if (g_.beam != Beam::Fan) throw InputError("FanBeamProjector needs a fan-beam geometry");
  for (double a : g_.angles_deg) {
    const double t = a * std::numbers::pi / 180.0;
    cos_.push_back(std::cos(t));
    sin_.push_back(std::sin(t));
  }
  for (std::int64_t k = 0; k < g_.bins; ++k) {
    const double gamma = g_.fan_angle(double(k));
    bin_cos_.push_back(std::cos(gamma));
    bin_sin_.push_back(std::sin(gamma));
  }
}

Ray FanBeamProjector::ray(std::int64_t view, std::int64_t bin) const {
  const double c = cos_[static_cast<std::size_t>(view)], s = sin_[static_cast<std::size_t>(view)];
  const double cg = bin_cos_[static_cast<std::size_t>(bin)], sg = bin_sin_[static_cast<std::size_t>(bin)];
  // d = (−s, c), n = (c, s); source at −D_so·d; direction cos γ·d + sin γ·n.
  const double D = g_.source_to_isocenter;
  return {D * s, -D * c, -s * cg + c * sg, c * cg + s * sg};
}

}  // namespace mirflow::physics
