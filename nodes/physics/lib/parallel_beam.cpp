#include "mirflow_physics/parallel_beam.hpp"

#include <cmath>
#include <numbers>

namespace mirflow::physics {

ParallelBeamProjector::ParallelBeamProjector(ProjectionGeometry geometry) : RayProjector(std::move(geometry)) {
  for (double a : g_.angles_deg) {
    const double t = a * std::numbers::pi / 180.0;
    cos_.push_back(std::cos(t));
    sin_.push_back(std::sin(t));
  }
}

Ray ParallelBeamProjector::ray(std::int64_t view, std::int64_t bin) const {
  const double c = cos_[static_cast<std::size_t>(view)], s = sin_[static_cast<std::size_t>(view)];
  const double u = g_.bin_position(double(bin));
  // Through u·n, along d = (−sin θ, cos θ).
  return {u * c, u * s, -s, c};
}

}  // namespace mirflow::physics
