#pragma once
// The two linear maps of second-order TGV (Bredies, Kunisch & Pock 2010),
//   TGV(x) = min_w α1 ‖∇x − w‖₁ + α0 ‖E w‖₁,
// split by ADMM as z1 = ∇x − w and z2 = E w, each with a group soft threshold (no inner solver).
// Derivatives are the forward differences of GradientOperator (Neumann: 0 on the last column /
// row, divided by the spacing): ∂x, ∂y below.
#include <mirflow_physics/operator.hpp>

namespace mirflow::ir {

// E: a two-component field w = (w1, w2) (nx × 2·ny, GradientOperator's layout) to the
// symmetrised gradient stored as three planes (nx × 3·ny):
//   (∂x w1,  ∂y w2,  (∂y w1 + ∂x w2)/√2)
// The √2 makes the Euclidean norm of the 3 planes at a pixel equal the Frobenius norm of the
// symmetric 2×2 tensor ½(∇w + ∇wᵀ), so the group soft threshold is the plain one
// (GroupL1Prior(3)). Eᴴ is the exact transpose: (∂xᴴe1 + ∂yᴴe3/√2, ∂yᴴe2 + ∂xᴴe3/√2).
class SymmetrisedGradient final : public physics::LinearOperator {
 public:
  explicit SymmetrisedGradient(physics::Space image);  // the space of one plane (real)
  std::string name() const override { return "symmetrised_gradient"; }
  physics::Space domain() const override { return domain_; }
  physics::Space range() const override { return range_; }
  void apply_into(const Image& w, const Image& e) const override;
  void adjoint_into(const Image& e, const Image& w) const override;
  bool runs_on(Device) const override { return true; }

 private:
  physics::Space image_, domain_, range_;
};

// On the stacked variable (planes.hpp): v ↦ ∇(plane x_plane) − (planes w_plane, w_plane+1),
// a field nx × 2·ny. Adjoint: ∇ᴴy on plane x_plane, −y on the w planes, 0 elsewhere.
class GradientMinusField final : public physics::LinearOperator {
 public:
  GradientMinusField(physics::Space variable, physics::Space image, int x_plane, int w_plane);
  std::string name() const override { return "gradient_minus_field"; }
  physics::Space domain() const override { return variable_; }
  physics::Space range() const override { return range_; }
  void apply_into(const Image& v, const Image& y) const override;
  void adjoint_into(const Image& y, const Image& v) const override;
  bool runs_on(Device) const override { return true; }

 private:
  physics::Space variable_, image_, range_;
  int x_plane_, w_plane_;
};

}  // namespace mirflow::ir
