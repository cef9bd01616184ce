#pragma once
// The 2-D discrete gradient ∇ and its exact adjoint (−div), the K of TV and Huber priors.
//
// Forward differences with Neumann boundaries, divided by the pixel spacing of the domain:
//   (∇x)_x(i, j) = (x(i+1, j) − x(i, j)) / dx   for i < nx−1,   0 at i = nx−1
//   (∇x)_y(i, j) = (x(i, j+1) − x(i, j)) / dy   for j < ny−1,   0 at j = ny−1
// Layout of the range (a "two-component field"): a real nx × (2·ny) image whose rows 0 … ny−1
// hold the x component and rows ny … 2·ny−1 the y component (two stacked planes, each nx×ny;
// component c of pixel p is at float index c·nx·ny + p). The priors of prox.hpp that act on
// fields (GroupL1Prior, HuberPrior) use the same layout.
// The adjoint is the transpose of that matrix: ∇ᴴg = −div g with the matching boundary terms,
//   (∇ᴴg)(i, j) = ([i>0] g_x(i−1, j) − [i<nx−1] g_x(i, j)) / dx + (same along y) / dy.
#include <mirflow_physics/operator.hpp>

namespace mirflow::ir {

class GradientOperator final : public physics::LinearOperator {
 public:
  // `domain` must be real (std::invalid_argument otherwise); its spacing sets dx, dy.
  explicit GradientOperator(physics::Space domain);
  std::string name() const override { return "gradient"; }
  physics::Space domain() const override { return domain_; }
  physics::Space range() const override { return range_; }
  void apply_into(const Image& x, const Image& g) const override;
  void adjoint_into(const Image& g, const Image& x) const override;
  bool runs_on(Device) const override { return true; }

 private:
  physics::Space domain_, range_;
};

// The field space of a real image space: nx × 2·ny, same spacing and origin.
physics::Space field_space(const physics::Space& image_space);

}  // namespace mirflow::ir
