#include "mirflow_physics/operator.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "mirflow_physics/complex_image.hpp"
#include "mirflow_physics/device_kernels.hpp"

namespace mirflow::physics {

Image Space::allocate(Device device) const {
  Image im = Image::allocate(DType::F32, {complex ? 2 * nx : nx, ny, 1}, 2, device);
  im.geometry().spacing = {spacing[0], spacing[1], 1.0};
  im.geometry().origin = {origin[0], origin[1], 0.0};
  if (complex) im.metadata()[kComplexKey] = kComplexInterleaved;
  return im;
}

bool Space::matches(const Image& im) const {
  return !im.empty() && im.ndim() == 2 && im.nx() == (complex ? 2 * nx : nx) && im.ny() == ny;
}

std::string Space::describe() const {
  return std::to_string(nx) + "×" + std::to_string(ny) + (complex ? " complex64" : " float32");
}

Space centred_space(std::int64_t nx, std::int64_t ny, double dx, double dy, bool complex) {
  Space s;
  s.nx = nx, s.ny = ny, s.complex = complex;
  s.spacing = {dx, dy};
  s.origin = {-0.5 * double(nx - 1) * dx, -0.5 * double(ny - 1) * dy};
  return s;
}

Image as_contiguous_f32(const Image& im) {
  if (im.dtype() == DType::F32 && im.contiguous()) return im;
  if (im.device() != Device::CPU)
    throw std::invalid_argument("operators take contiguous float32 device images; got " + im.describe());
  return im.astype(DType::F32);
}

namespace {
void check(const LinearOperator& op, const Image& im, const Space& s, const char* what) {
  if (!s.matches(im)) {
    const bool cx = s.complex;
    throw std::invalid_argument(op.name() + ": the " + what + " must be a 2-D image of " + s.describe() +
                                (cx ? " (" + std::to_string(2 * s.nx) + "×" + std::to_string(s.ny) + " interleaved floats)" : "") +
                                ", got " + (im.empty() ? std::string("an empty image") : im.describe()));
  }
  if (!op.runs_on(im.device()))
    throw std::invalid_argument(op.name() + ": the " + what + " is in " + device_name(im.device()) +
                                " memory, and this operator has no version for it");
}
}  // namespace

Image LinearOperator::apply(const Image& x) const {
  const Space d = domain();
  check(*this, x, d, "input of apply()");
  Image y = range().allocate(x.device());
  apply_into(as_contiguous_f32(x), y);
  return y;
}

Image LinearOperator::adjoint(const Image& y) const {
  const Space r = range();
  check(*this, y, r, "input of adjoint()");
  Image x = domain().allocate(y.device());
  adjoint_into(as_contiguous_f32(y), x);
  return x;
}

void IdentityOperator::apply_into(const Image& x, const Image& y) const {
  if (on_device(y)) return require_device_kernels("identity").copy(y.raw(), x.raw(), std::size_t(space_.floats()) * sizeof(float));
  std::memcpy(y.data<float>(), x.data<float>(), static_cast<std::size_t>(space_.floats()) * sizeof(float));
}

bool IdentityOperator::normal_diagonal(const Image& W, const Image& diagonal) const {
  if (on_device(diagonal)) {
    const DeviceKernels& k = require_device_kernels("identity");
    if (W.empty()) k.fill(diagonal.data<float>(), space_.floats(), 1.f);
    else k.copy(diagonal.raw(), W.raw(), std::size_t(space_.floats()) * sizeof(float));
    return true;
  }
  float* d = diagonal.data<float>();
  if (W.empty()) std::fill(d, d + space_.floats(), 1.f);
  else std::memcpy(d, W.data<float>(), static_cast<std::size_t>(space_.floats()) * sizeof(float));
  return true;
}

double dot(const Image& a, const Image& b) {
  if (a.shape() != b.shape()) throw std::invalid_argument("dot: shapes differ (" + a.describe() + " vs " + b.describe() + ")");
  Image fa = as_contiguous_f32(a), fb = as_contiguous_f32(b);
  if (on_device(fa) != on_device(fb)) throw std::invalid_argument("dot: one image is on the device, one on the host");
  if (on_device(fa)) return require_device_kernels("dot").dot(fa.data<float>(), fb.data<float>(), fa.size() * fa.components());
  const float* p = fa.data<float>();
  const float* q = fb.data<float>();
  double s = 0;
  for (std::int64_t i = 0; i < fa.size(); ++i) s += double(p[i]) * double(q[i]);
  return s;
}

}  // namespace mirflow::physics
