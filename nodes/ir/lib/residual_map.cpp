#include "mirflow_ir/residual_map.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace mirflow::ir {

Image data_residual_map(const physics::LinearOperator& A, const Image& x, const Image& b, const Image& W) {
  const physics::Space ran = A.range();
  if (!ran.matches(b)) throw std::invalid_argument("data_residual_map: b does not match " + A.name() + "'s range");
  if (!W.empty() && !ran.matches(W)) throw std::invalid_argument("data_residual_map: W does not match the range");
  Image r = A.apply(x);
  const Image bf = physics::as_contiguous_f32(b);
  const Image wf = W.empty() ? Image{} : physics::as_contiguous_f32(W);
  Image ones = ran.allocate();
  float* pr = r.data<float>();
  float* po = ones.data<float>();
  for (std::int64_t i = 0; i < r.size(); ++i) {
    const double w = wf.empty() ? 1.0 : std::max(0.0, double(wf.data<float>()[i]));
    pr[i] = float(std::sqrt(w) * std::abs(double(pr[i]) - double(bf.data<float>()[i])));
    po[i] = 1.f;
  }
  Image e = A.adjoint(r);
  const Image norm = A.adjoint(ones);
  float* pe = e.data<float>();
  const float* pn = norm.data<float>();
  for (std::int64_t i = 0; i < e.size(); ++i) pe[i] = pn[i] > 0 ? float(double(pe[i]) / double(pn[i])) : 0.f;
  return e;
}

}  // namespace mirflow::ir
