#include "mirflow_ir/tgv_operators.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "mirflow_ir/gradient.hpp"
#include "mirflow_ir/planes.hpp"
#include "parallel_blocks.hpp"

namespace mirflow::ir {

using physics::Space;

namespace {
constexpr double kInvSqrt2 = 0.70710678118654752440;

// Forward differences (Neumann) of plane a, and their transposes accumulated into out
// (out += s·∂ᴴg): the building blocks of E and Eᴴ.
inline double dx_at(const float* a, std::int64_t i, std::int64_t p, std::int64_t nx, double ix) {
  return i < nx - 1 ? (double(a[p + 1]) - double(a[p])) * ix : 0.0;
}
inline double dy_at(const float* a, std::int64_t j, std::int64_t p, std::int64_t nx, std::int64_t ny, double iy) {
  return j < ny - 1 ? (double(a[p + nx]) - double(a[p])) * iy : 0.0;
}
inline double dxT_at(const float* g, std::int64_t i, std::int64_t p, std::int64_t nx, double ix) {
  return ((i > 0 ? double(g[p - 1]) : 0.0) - (i < nx - 1 ? double(g[p]) : 0.0)) * ix;
}
inline double dyT_at(const float* g, std::int64_t j, std::int64_t p, std::int64_t nx, std::int64_t ny, double iy) {
  return ((j > 0 ? double(g[p - nx]) : 0.0) - (j < ny - 1 ? double(g[p]) : 0.0)) * iy;
}
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
  std::memset(v.data<float>(), 0, std::size_t(variable_.size()) * sizeof(float));
  const float* y1 = y.data<float>();
  const float* y2 = y1 + n;
  float* x = v.data<float>() + x_plane_ * n;
  float* w1 = v.data<float>() + w_plane_ * n;
  float* w2 = w1 + n;
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
