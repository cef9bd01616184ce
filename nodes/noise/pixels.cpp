#include "pixels.hpp"

#include <cmath>

namespace mirflow::noise {

double max_abs(const Image& im) {
  double m = 0;
  visit_pixels(im, [&](std::int64_t, double v) {
    if (std::isfinite(v)) m = std::max(m, std::abs(v));
  });
  return m;
}

Image float_like(const Image& in) {
  Image out = Image::allocate(DType::F32, in.shape(), in.ndim());
  out.geometry() = in.geometry();
  out.metadata() = in.metadata();
  return out;
}

}  // namespace mirflow::noise
