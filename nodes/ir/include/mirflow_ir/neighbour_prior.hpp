#pragma once
// A pairwise roughness prior on a 2-D grid, the regulariser of CT MBIR (Thibault et al. 2007):
//   R(x) = Σ_{pairs {j,k}} ω_jk ψ(s·(x_j − x_k))
// over the 8-neighbourhood (each unordered pair once), ω = 1 for horizontal and vertical pairs
// and 1/√2 for diagonal ones, ψ an edge-preserving potential (edge_potential.hpp) and s the
// factor that puts differences in ψ's units (CT: 1000/µ_water, so that δ is in HU).
// Images are nx × ny float32, row-major (x fastest). Threads split rows; sums per pixel are
// taken in a fixed order, so results do not depend on the number of threads.
#include <cstdint>

#include "mirflow_ir/edge_potential.hpp"

namespace mirflow::ir {

class NeighbourPrior {
 public:
  // Throws std::invalid_argument for an invalid potential, a non-positive scale or an empty grid.
  NeighbourPrior(EdgePotential potential, double scale, std::int64_t nx, std::int64_t ny);

  const EdgePotential& potential() const { return psi_; }
  double scale() const { return s_; }

  double value(const float* x) const;
  // g = ∇R(x), overwritten.
  void gradient(const float* x, float* g) const;
  // d_j = 2 s² Σ_{k ∈ N(j)} ω_jk: the curvature of R's separable quadratic surrogate at any point
  // (De Pierro's split, with ψ'(t)/t ≤ 1), overwritten.
  void curvature_bound(float* d) const;

 private:
  EdgePotential psi_;
  double s_;
  std::int64_t nx_, ny_;
};

}  // namespace mirflow::ir
