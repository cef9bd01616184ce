#include "mirflow_gan/intensity.hpp"

namespace mirflow::gan {

SliceRange slice_range(const torch::Tensor& x) {
  const torch::Tensor flat = x.flatten(1);
  SliceRange r{std::get<0>(flat.min(1)).view({-1, 1, 1, 1}), std::get<0>(flat.max(1)).view({-1, 1, 1, 1})};
  r.hi = torch::where(r.hi > r.lo, r.hi, r.lo + 1);
  return r;
}

torch::Tensor to_unit(const torch::Tensor& x, const SliceRange& r) { return 2 * (x - r.lo) / (r.hi - r.lo) - 1; }

torch::Tensor from_unit(const torch::Tensor& y, const SliceRange& r) { return (y + 1) * 0.5 * (r.hi - r.lo) + r.lo; }

}  // namespace mirflow::gan
