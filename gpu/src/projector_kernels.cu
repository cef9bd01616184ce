// Joseph's projector pair on the device: one thread per ray, walking it with the very functions
// the CPU projector uses (joseph.hpp), gathering for the forward and scattering with atomic
// additions for the adjoint (same pixels, same weights: the transpose up to float rounding).
#include "joseph.hpp"
#include "kernels.hpp"
#include "launch.cuh"

namespace mirflow::gpu::kernels {

namespace {
physics::detail::Grid to_grid(const physics::JosephGridArgs& a) {
  physics::detail::Grid g;
  g.nx = a.nx, g.ny = a.ny, g.dx = a.dx, g.dy = a.dy, g.x0 = a.x0, g.y0 = a.y0;
  return g;
}
}  // namespace

void joseph_forward(const double* rays, std::int64_t n_rays, physics::JosephGridArgs args, const float* image,
                    float* sinogram) {
  const physics::detail::Grid g = to_grid(args);
  detail::for_each(
      n_rays,
      [=] __device__(std::int64_t k) {
        const physics::Ray r{rays[4 * k], rays[4 * k + 1], rays[4 * k + 2], rays[4 * k + 3]};
        double acc = 0.0;
        physics::detail::joseph_walk(g, r, [&](std::int64_t idx, double w) { acc += w * double(image[idx]); });
        sinogram[k] = float(acc);
      },
      "joseph_forward");
}

void joseph_adjoint(const double* rays, std::int64_t n_rays, physics::JosephGridArgs args, const float* sinogram,
                    float* image) {
  const physics::detail::Grid g = to_grid(args);
  fill(image, args.nx * args.ny, 0.f);
  detail::for_each(
      n_rays,
      [=] __device__(std::int64_t k) {
        const double v = double(sinogram[k]);
        if (v == 0.0) return;  // adds nothing (as on the CPU)
        const physics::Ray r{rays[4 * k], rays[4 * k + 1], rays[4 * k + 2], rays[4 * k + 3]};
        physics::detail::joseph_walk(g, r,
                                     [&](std::int64_t idx, double w) { atomicAdd(image + idx, float(w * v)); });
      },
      "joseph_adjoint");
}

}  // namespace mirflow::gpu::kernels
