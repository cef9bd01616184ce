// Gradient-type operators on the device, one thread per pixel, with the CPU's stencils
// (mirflow_ir/stencils.hpp).
#include <mirflow_ir/stencils.hpp>

#include "kernels.hpp"
#include "launch.cuh"

namespace mirflow::gpu::kernels {

using namespace mirflow::ir::stencil;

void gradient(const float* x, float* g, std::int64_t nx, std::int64_t ny, double ix, double iy) {
  float* gy = g + nx * ny;
  detail::for_each(
      nx * ny,
      [=] __device__(std::int64_t p) {
        const std::int64_t i = p % nx, j = p / nx;
        g[p] = float(dx_at(x, i, p, nx, ix));
        gy[p] = float(dy_at(x, j, p, nx, ny, iy));
      },
      "gradient");
}

void gradient_adjoint(const float* g, float* x, std::int64_t nx, std::int64_t ny, double ix, double iy) {
  const float* gy = g + nx * ny;
  detail::for_each(
      nx * ny,
      [=] __device__(std::int64_t p) {
        const std::int64_t i = p % nx, j = p / nx;
        x[p] = float(dxT_at(g, i, p, nx, ix) + dyT_at(gy, j, p, nx, ny, iy));
      },
      "gradient_adjoint");
}

void symmetrised_gradient(const float* w, float* e, std::int64_t nx, std::int64_t ny, double ix, double iy) {
  const std::int64_t n = nx * ny;
  const float* w2 = w + n;
  detail::for_each(
      n,
      [=] __device__(std::int64_t p) {
        const std::int64_t i = p % nx, j = p / nx;
        e[p] = float(dx_at(w, i, p, nx, ix));
        e[n + p] = float(dy_at(w2, j, p, nx, ny, iy));
        e[2 * n + p] = float((dy_at(w, j, p, nx, ny, iy) + dx_at(w2, i, p, nx, ix)) * kInvSqrt2);
      },
      "symmetrised_gradient");
}

void symmetrised_gradient_adjoint(const float* e, float* w, std::int64_t nx, std::int64_t ny, double ix,
                                  double iy) {
  const std::int64_t n = nx * ny;
  const float* e2 = e + n;
  const float* e3 = e + 2 * n;
  detail::for_each(
      n,
      [=] __device__(std::int64_t p) {
        const std::int64_t i = p % nx, j = p / nx;
        w[p] = float(dxT_at(e, i, p, nx, ix) + kInvSqrt2 * dyT_at(e3, j, p, nx, ny, iy));
        w[n + p] = float(dyT_at(e2, j, p, nx, ny, iy) + kInvSqrt2 * dxT_at(e3, i, p, nx, ix));
      },
      "symmetrised_gradient_adjoint");
}

void gradient_minus_field(const float* x, const float* w, float* y, std::int64_t nx, std::int64_t ny, double ix,
                          double iy) {
  const std::int64_t n = nx * ny;
  detail::for_each(
      n,
      [=] __device__(std::int64_t p) {
        const std::int64_t i = p % nx, j = p / nx;
        y[p] = float(dx_at(x, i, p, nx, ix) - double(w[p]));
        y[n + p] = float(dy_at(x, j, p, nx, ny, iy) - double(w[n + p]));
      },
      "gradient_minus_field");
}

void gradient_minus_field_adjoint(const float* y, float* x, float* w, std::int64_t nx, std::int64_t ny, double ix,
                                  double iy) {
  const std::int64_t n = nx * ny;
  const float* y2 = y + n;
  detail::for_each(
      n,
      [=] __device__(std::int64_t p) {
        const std::int64_t i = p % nx, j = p / nx;
        x[p] = float(dxT_at(y, i, p, nx, ix) + dyT_at(y2, j, p, nx, ny, iy));
        w[p] = -y[p];
        w[n + p] = -y2[p];
      },
      "gradient_minus_field_adjoint");
}

}  // namespace mirflow::gpu::kernels
