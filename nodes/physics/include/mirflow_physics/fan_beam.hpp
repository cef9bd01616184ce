#pragma once
#include <vector>

#include "mirflow_physics/projector.hpp"

namespace mirflow::physics {

// 2-D fan-beam projector (Joseph), exact adjoint, for a flat or an equiangular arc detector.
// View θ: source at S = −D_so·d, d = (−sin θ, cos θ), detector axis n = (cos θ, sin θ).
// Flat: the ray of bin k goes from S through (D_sd − D_so)·d + u_k·n.
// Arc:  the ray of bin k leaves S in direction cos γ_k·d + sin γ_k·n, γ_k = u_k / D_sd.
class FanBeamProjector final : public RayProjector {
 public:
  explicit FanBeamProjector(ProjectionGeometry geometry);
  std::string name() const override { return "fan_beam"; }
  Ray ray(std::int64_t view, std::int64_t bin) const override;

 private:
  std::vector<double> cos_, sin_;
  std::vector<double> bin_cos_, bin_sin_;  // per bin: direction of the ray in the (d, n) frame
};

}  // namespace mirflow::physics
