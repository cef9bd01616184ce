#pragma once
// The finite differences of the gradient-type operators (GradientOperator, TGV's maps) and the
// shrinkage factors of the field priors, shared by the CPU code and the CUDA kernels of gpu/
// (MIRFLOW_HOST_DEVICE), so that both compute the same numbers.
//
// Forward differences with Neumann boundaries (0 on the last column / row), times the inverse
// spacing; the *T_at forms are their transposes at pixel p = j·nx + i.
#include <cmath>
#include <cstdint>

#include <mirflow/host_device.hpp>

namespace mirflow::ir::stencil {

MIRFLOW_HOST_DEVICE inline double dx_at(const float* a, std::int64_t i, std::int64_t p, std::int64_t nx, double ix) {
  return i < nx - 1 ? (double(a[p + 1]) - double(a[p])) * ix : 0.0;
}
MIRFLOW_HOST_DEVICE inline double dy_at(const float* a, std::int64_t j, std::int64_t p, std::int64_t nx,
                                        std::int64_t ny, double iy) {
  return j < ny - 1 ? (double(a[p + nx]) - double(a[p])) * iy : 0.0;
}
MIRFLOW_HOST_DEVICE inline double dxT_at(const float* g, std::int64_t i, std::int64_t p, std::int64_t nx, double ix) {
  return ((i > 0 ? double(g[p - 1]) : 0.0) - (i < nx - 1 ? double(g[p]) : 0.0)) * ix;
}
MIRFLOW_HOST_DEVICE inline double dyT_at(const float* g, std::int64_t j, std::int64_t p, std::int64_t nx,
                                         std::int64_t ny, double iy) {
  return ((j > 0 ? double(g[p - nx]) : 0.0) - (j < ny - 1 ? double(g[p]) : 0.0)) * iy;
}

constexpr double kInvSqrt2 = 0.70710678118654752440;

// Soft threshold: sign(x)·max(|x| − t, 0).
MIRFLOW_HOST_DEVICE inline double soft_threshold(double x, double t) {
  const double m = fabs(x) - t;
  return m > 0 ? (x < 0 ? -m : m) : 0.0;
}
// The field priors' proxes keep a vector's direction and multiply it by a factor of its length
// r and threshold t = τ·w_p: group L1 (TV) and Huber (δ).
MIRFLOW_HOST_DEVICE inline double group_l1_factor(double r, double t) { return r > t ? 1.0 - t / r : 0.0; }
MIRFLOW_HOST_DEVICE inline double huber_factor(double r, double t, double delta) {
  return r <= delta + t ? delta / (delta + t) : 1.0 - t / r;
}
// h_δ(r) = r²/(2δ) for r ≤ δ, r − δ/2 beyond.
MIRFLOW_HOST_DEVICE inline double huber_value(double r, double delta) {
  return r <= delta ? r * r / (2 * delta) : r - 0.5 * delta;
}

}  // namespace mirflow::ir::stencil
