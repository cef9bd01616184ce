#include "mirflow_ir/gradient.hpp"

#include <algorithm>
#include <stdexcept>

#include "mirflow_ir/device_kernels.hpp"
#include "mirflow_ir/stencils.hpp"
#include "parallel_blocks.hpp"

namespace mirflow::ir {

physics::Space field_space(const physics::Space& s) {
  physics::Space f = s;
  f.ny = 2 * s.ny;
  return f;
}

GradientOperator::GradientOperator(physics::Space domain) : domain_(domain), range_(field_space(domain)) {
  if (domain.complex) throw std::invalid_argument("gradient: the domain must be real, got " + domain.describe());
  if (domain.nx < 1 || domain.ny < 1) throw std::invalid_argument("gradient: empty domain");
}

void GradientOperator::apply_into(const Image& xi, const Image& gi) const {
  const std::int64_t nx = domain_.nx, ny = domain_.ny;
  const float* x = xi.data<float>();
  float* gx = gi.data<float>();
  float* gy = gx + nx * ny;
  const double ix = 1.0 / domain_.spacing[0], iy = 1.0 / domain_.spacing[1];
  if (gi.device() == Device::CUDA) return require_ir_device_kernels("gradient").gradient(x, gx, nx, ny, ix, iy);
  detail::parallel_blocks(ny, 3 * nx * ny, [&](std::int64_t j0, std::int64_t j1) {
    for (std::int64_t j = j0; j < j1; ++j)
      for (std::int64_t i = 0; i < nx; ++i) {
        const std::int64_t p = j * nx + i;
        gx[p] = float(stencil::dx_at(x, i, p, nx, ix));
        gy[p] = float(stencil::dy_at(x, j, p, nx, ny, iy));
      }
  });
}

void GradientOperator::adjoint_into(const Image& gi, const Image& xi) const {
  const std::int64_t nx = domain_.nx, ny = domain_.ny;
  const float* gx = gi.data<float>();
  const float* gy = gx + nx * ny;
  float* x = xi.data<float>();
  const double ix = 1.0 / domain_.spacing[0], iy = 1.0 / domain_.spacing[1];
  if (xi.device() == Device::CUDA)
    return require_ir_device_kernels("gradient").gradient_adjoint(gx, x, nx, ny, ix, iy);
  detail::parallel_blocks(ny, 3 * nx * ny, [&](std::int64_t j0, std::int64_t j1) {
    for (std::int64_t j = j0; j < j1; ++j)
      for (std::int64_t i = 0; i < nx; ++i) {
        const std::int64_t p = j * nx + i;
        x[p] = float(stencil::dxT_at(gx, i, p, nx, ix) + stencil::dyT_at(gy, j, p, nx, ny, iy));
      }
  });
}

}  // namespace mirflow::ir
