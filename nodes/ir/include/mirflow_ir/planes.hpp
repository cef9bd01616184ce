#pragma once
// Operators on the stacked ADMM variable (regulariser.hpp): an nx × (ny·planes) real image whose
// plane k (rows k·ny … (k+1)·ny − 1) is x for k = 0 and a prior's auxiliary plane otherwise.
#include <memory>

#include <mirflow_physics/operator.hpp>

namespace mirflow::ir {

// A view of `count` consecutive planes of a contiguous variable image (no copy): an
// nx × (ny·count) float32 image sharing the variable's storage, geometry of `image`.
Image plane_view(const Image& variable, const physics::Space& image, int first, int count);

// The variable's number of planes (variable.ny / image.ny); throws when the shapes disagree.
int plane_count(const physics::Space& variable, const physics::Space& image);

// S: variable → planes first … first+count−1 (copy); Sᴴ embeds them with zeros elsewhere.
// SᴴWS is diagonal (W on the selected planes, 0 elsewhere): it takes the normal-inverse hook.
class PlaneSelector final : public physics::LinearOperator {
 public:
  PlaneSelector(physics::Space variable, physics::Space image, int first, int count);
  std::string name() const override { return "plane_selector"; }
  physics::Space domain() const override { return variable_; }
  physics::Space range() const override { return range_; }
  void apply_into(const Image& v, const Image& y) const override;
  void adjoint_into(const Image& y, const Image& v) const override;
  bool normal_diagonal(const Image& W, const Image& diagonal) const override;
  bool runs_on(Device) const override { return true; }

 private:
  physics::Space variable_, image_, range_;
  int first_, count_;
};

// K ∘ S: an operator K whose domain is `count` planes of the image space (count = K's domain ny
// / image ny), applied to planes first … of the variable. Its adjoint is Sᴴ Kᴴ; the normal is
// diagonal when K's is (embedded as for PlaneSelector). Works on views: no copies, no buffers.
class OnPlanes final : public physics::LinearOperator {
 public:
  OnPlanes(std::shared_ptr<const physics::LinearOperator> K, physics::Space variable, physics::Space image, int first);
  std::string name() const override { return K_->name() + "@plane" + std::to_string(first_); }
  physics::Space domain() const override { return variable_; }
  physics::Space range() const override { return K_->range(); }
  void apply_into(const Image& v, const Image& y) const override;
  void adjoint_into(const Image& y, const Image& v) const override;
  bool normal_diagonal(const Image& W, const Image& diagonal) const override;
  bool runs_on(Device d) const override { return K_->runs_on(d); }

 private:
  std::shared_ptr<const physics::LinearOperator> K_;
  physics::Space variable_, image_;
  int first_, count_;
};

// An image operator on plane `first` of the variable (OnPlanes, or K itself when the variable
// has one plane and first = 0).
std::shared_ptr<const physics::LinearOperator> on_planes(std::shared_ptr<const physics::LinearOperator> K,
                                                         const physics::Space& variable,
                                                         const physics::Space& image, int first);

}  // namespace mirflow::ir
