#include "rician_noise.hpp"

#include <algorithm>
#include <cmath>

#include <mirflow_imgproc/rician.hpp>

namespace mirflow::ir {
namespace {
// A float32 image of f(pixel) over every pixel of `in` (any dtype), with its geometry and metadata.
template <class F>
Image map_pixels(const Image& in, F f) {
  Image out = Image::allocate(DType::F32, in.shape(), in.ndim());
  out.geometry() = in.geometry();
  out.metadata() = in.metadata();
  float* o = out.data<float>();
  std::int64_t k = 0;
  for (std::int64_t z = 0; z < in.nz(); ++z)
    for (std::int64_t y = 0; y < in.ny(); ++y)
      for (std::int64_t x = 0; x < in.nx(); ++x, ++k) o[k] = static_cast<float>(f(in.value(x, y, z)));
  return out;
}
}  // namespace

Image rician_debias_squared(const Image& m, double sigma) {
  return map_pixels(m, [&](double v) { return std::sqrt(std::max(v * v - 2.0 * sigma * sigma, 0.0)); });
}

Image rician_invert_mean(const Image& m, double sigma) {
  return map_pixels(m, [&](double v) { return sigma * imgproc::rician_mean_ratio_inverse(v / sigma); });
}

Image rician_mean(const Image& a, double sigma) {
  return map_pixels(a, [&](double v) { return sigma * imgproc::rician_mean_ratio(std::max(v, 0.0) / sigma); });
}

}  // namespace mirflow::ir
