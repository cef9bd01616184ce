#include "mirflow_ir/tgv_operators.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <mirflow_physics/device_kernels.hpp>

#include "mirflow_ir/device_kernels.hpp"
#include "mirflow_ir/gradient.hpp"
#include "mirflow_ir/planes.hpp"
#include "mirflow_ir/stencils.hpp"
#include "parallel_blocks.hpp"

namespace mirflow::ir {

using physics::Space;
using physics::require_device_kernels;

namespace {
using stencil::dx_at;
using stencil::dxT_at;
using stencil::dy_at;
using stencil::dyT_at;
using stencil::kInvSqrt2;
}  // namespace

SymmetrisedGradient::SymmetrisedGradient(Space image) : image_(image), domain_(image), range_(image) {
  if (image.complex || image.nx < 1 || image.ny < 1)
    throw std::invalid_argument("symmetrised_gradient: needs a non-empty real image space, got " + image.describe());
  domain_.ny = 2 * image.ny;
  range_.ny = 3 * image.ny;
}

void SymmetrisedGradient::apply_into(const Image& wi, const Image& ei) const {
  const std::int64_t nx = image_.nx, ny = image_.ny, n = nx * ny;
  const double ix = 1.0 / image_.spacing[0], iy = 1.0 / image_.spacing[1];
  const float* w1 = wi.data<float>();
  const float* w2 = w1 + n;
  float* e1 = ei.data<float>();
  float* e2 = e1 + n;
  float* e3 = e2 + n;
  if (ei.device() == Device::CUDA)
    return require_ir_device_kernels(name().c_str()).symmetrised_gradient(w1, e1, nx, ny, ix, iy);
  detail::parallel_blocks(ny, 5 * nx * ny, [&](std::int64_t j0, std::int64_t j1) {
    for (std::int64_t j = j0; j < j1; ++j)
      for (std::int64_t i = 0; i < nx; ++i) {
        const std::int64_t p = j * nx + i;
        e1[p] = float(dx_at(w1, i, p, nx, ix));
        e2[p] = float(dy_at(w2, j, p, nx, ny, iy));
        e3[p] = float((dy_at(w1, j, p, nx, ny, iy) + dx_at(w2, i, p, nx, ix)) * kInvSqrt2);
      }
  });
}

void SymmetrisedGradient::adjoint_into(const Image& ei, const Image& wi) const {
  const std::int64_t nx = image_.nx, ny = image_.ny, n = nx * ny;
  const double ix = 1.0 / image_.spacing[0], iy = 1.0 / image_.spacing[1];
  const float* e1 = ei.data<float>();
  const float* e2 = e1 + n;
  const float* e3 = e2 + n;
  float* w1 = wi.data<float>();
  float* w2 = w1 + n;
  if (wi.device() == Device::CUDA)
    return require_ir_device_kernels(name().c_str()).symmetrised_gradient_adjoint(e1, w1, nx, ny, ix, iy);
  detail::parallel_blocks(ny, 5 * nx * ny, [&](std::int64_t j0, std::int64_t j1) {
    for (std::int64_t j = j0; j < j1; ++j)
      for (std::int64_t i = 0; i < nx; ++i) {
        const std::int64_t p = j * nx + i;
        w1[p] = float(dxT_at(e1, i, p, nx, ix) + kInvSqrt2 * dyT_at(e3, j, p, nx, ny, iy));
        w2[p] = float(dyT_at(e2, j, p, nx, ny, iy) + kInvSqrt2 * dxT_at(e3, i, p, nx, ix));
      }
  });
}

GradientMinusField::GradientMinusField(Space variable, Space image, int x_plane, int w_plane)
    : variable_(variable), image_(image), range_(field_space(image)), x_plane_(x_plane), w_plane_(w_plane) {
  const int planes = plane_count(variable, image);
  if (x_plane < 0 || x_plane >= planes || w_plane < 0 || w_plane + 2 > planes ||
      (x_plane >= w_plane && x_plane < w_plane + 2))
    throw std::invalid_argument("gradient_minus_field: planes x=" + std::to_string(x_plane) + ", w=" +
                                std::to_string(w_plane) + "…" + std::to_string(w_plane + 1) + " do not fit a variable of " +
                                std::to_string(planes) + " planes");
}

void GradientMinusField::apply_into(const Image& v, const Image& y) const {
  const std::int64_t nx = image_.nx, ny = image_.ny, n = nx * ny;
  const double ix = 1.0 / image_.spacing[0], iy = 1.0 / image_.spacing[1];
  const float* x = v.data<float>() + x_plane_ * n;
  const float* w1 = v.data<float>() + w_plane_ * n;
  const float* w2 = w1 + n;
  float* y1 = y.data<float>();
  float* y2 = y1 + n;
  if (y.device() == Device::CUDA)
    return require_ir_device_kernels(name().c_str()).gradient_minus_field(x, w1, y1, nx, ny, ix, iy);
  detail::parallel_blocks(ny, 5 * nx * ny, [&](std::int64_t j0, std::int64_t j1) {
    for (std::int64_t j = j0; j < j1; ++j)
      for (std::int64_t i = 0; i < nx; ++i) {
        const std::int64_t p = j * nx + i;
        y1[p] = float(dx_at(x, i, p, nx, ix) - double(w1[p]));
        y2[p] = float(dy_at(x, j, p, nx, ny, iy) - double(w2[p]));
      }
  });
}

void GradientMinusField::adjoint_into(const Image& y, const Image& v) const {
  const std::int64_t nx = image_.nx, ny = image_.ny, n = nx * ny;
  const double ix = 1.0 / image_.spacing[0], iy = 1.0 / image_.spacing[1];
  const float* y1 = y.data<float>();
  const float* y2 = y1 + n;
  float* x = v.data<float>() + x_plane_ * n;
  float* w1 = v.data<float>() + w_plane_ * n;
  float* w2 = w1 + n;
  if (v.device() == Device::CUDA) {
    require_device_kernels(name().c_str()).fill(v.data<float>(), variable_.size(), 0.f);
    return require_ir_device_kernels(name().c_str()).gradient_minus_field_adjoint(y1, x, w1, nx, ny, ix, iy);
  }
  std::memset(v.data<float>(), 0, std::size_t(variable_.size()) * sizeof(float));
  detail::parallel_blocks(ny, 5 * nx * ny, [&](std::int64_t j0, std::int64_t j1) {
    for (std::int64_t j = j0; j < j1; ++j)
      for (std::int64_t i = 0; i < nx; ++i) {
        const std::int64_t p = j * nx + i;
        x[p] = float(dxT_at(y1, i, p, nx, ix) + dyT_at(y2, j, p, nx, ny, iy));
        w1[p] = -y1[p];
        w2[p] = -y2[p];
      }
  });
}

}  // namespace mirflow::ir
