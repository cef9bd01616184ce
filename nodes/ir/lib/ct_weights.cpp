#include "mirflow_ir/ct_weights.hpp"

#include <cmath>
#include <stdexcept>

#include <mirflow_physics/operator.hpp>

namespace mirflow::ir {

Image ct_count_weights(const Image& sino, double I0, double var) {
  if (sino.empty()) throw std::invalid_argument("ct weights: empty sinogram");
  if (!(I0 > 0) || !std::isfinite(I0)) throw std::invalid_argument("ct weights: I0 must be a finite number > 0, got " + std::to_string(I0));
  if (!(var >= 0)) throw std::invalid_argument("ct weights: the electronic noise variance must be ≥ 0");
  const Image b = physics::as_contiguous_f32(sino);
  Image w = Image::allocate(DType::F32, b.shape(), b.ndim());
  w.geometry() = b.geometry();
  const float* p = b.data<float>();
  float* q = w.data<float>();
  double sum = 0;
  for (std::int64_t i = 0; i < b.size(); ++i) {
    if (!std::isfinite(p[i]))
      throw std::invalid_argument("ct weights: line integral " + std::to_string(p[i]) + " at raster index " + std::to_string(i) +
                                  " (zero or negative counts give no finite −ln(N/I0))");
    const double n = I0 * std::exp(-double(p[i]));
    const double wi = n * n / (n + var);
    q[i] = float(wi);
    sum += wi;
  }
  if (!(sum > 0)) throw std::invalid_argument("ct weights: every expected count is 0 (I0 too small for b)");
  return w;
}

Image ct_statistical_weights(const Image& sino, double I0, double var) {
  Image w = ct_count_weights(sino, I0, var);
  float* q = w.data<float>();
  double sum = 0;
  for (std::int64_t i = 0; i < w.size(); ++i) sum += q[i];
  const double scale = double(w.size()) / sum;
  for (std::int64_t i = 0; i < w.size(); ++i) q[i] = float(double(q[i]) * scale);
  return w;
}

}  // namespace mirflow::ir
