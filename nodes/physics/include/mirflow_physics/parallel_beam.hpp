#pragma once
#include <vector>

#include "mirflow_physics/projector.hpp"

namespace mirflow::physics {

// 2-D parallel-beam projector (Joseph), exact adjoint. Ray of bin k in view θ: the line
// p·n = u_k with n = (cos θ, sin θ), travelling along d = (−sin θ, cos θ).
class ParallelBeamProjector final : public RayProjector {
 public:
  explicit ParallelBeamProjector(ProjectionGeometry geometry);
  std::string name() const override { return "parallel_beam"; }
  Ray ray(std::int64_t view, std::int64_t bin) const override;

 private:
  std::vector<double> cos_, sin_;
};

}  // namespace mirflow::physics
