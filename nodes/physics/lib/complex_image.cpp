#include "mirflow_physics/complex_image.hpp"

#include <cmath>
#include <stdexcept>

namespace mirflow::physics {

Image allocate_complex(std::int64_t nx, std::int64_t ny) {
  Image im = Image::allocate2d(DType::F32, 2 * nx, ny);
  im.metadata()[kComplexKey] = kComplexInterleaved;
  return im;
}

bool is_complex(const Image& im) {
  auto it = im.metadata().find(kComplexKey);
  return it != im.metadata().end() && it->second == kComplexInterleaved;
}

std::int64_t complex_nx(const Image& im) { return im.nx() / 2; }

std::complex<float>* complex_data(const Image& im) {
  if (im.dtype() != DType::F32 || !im.contiguous() || im.nx() % 2 != 0)
    throw std::invalid_argument("a complex image is a contiguous float32 image of even width, got " + im.describe());
  return reinterpret_cast<std::complex<float>*>(im.data<float>());
}

Image to_complex(const Image& real) {
  Image out = allocate_complex(real.nx(), real.ny());
  out.geometry() = real.geometry();
  std::complex<float>* z = complex_data(out);
  for (std::int64_t y = 0; y < real.ny(); ++y)
    for (std::int64_t x = 0; x < real.nx(); ++x) z[y * real.nx() + x] = {float(real.value(x, y)), 0.f};
  return out;
}

namespace {
template <class F> Image per_pixel(const Image& c, F f) {
  const std::int64_t nx = complex_nx(c), ny = c.ny();
  Image out = Image::allocate2d(DType::F32, nx, ny);
  out.geometry() = c.geometry();
  out.metadata() = c.metadata();
  out.metadata().erase(kComplexKey);
  const std::complex<float>* z = complex_data(c);
  float* o = out.data<float>();
  for (std::int64_t i = 0; i < nx * ny; ++i) o[i] = f(z[i]);
  return out;
}
}  // namespace

Image real_part(const Image& c) { return per_pixel(c, [](std::complex<float> z) { return z.real(); }); }
Image imag_part(const Image& c) { return per_pixel(c, [](std::complex<float> z) { return z.imag(); }); }
Image magnitude(const Image& c) { return per_pixel(c, [](std::complex<float> z) { return std::abs(z); }); }

}  // namespace mirflow::physics
