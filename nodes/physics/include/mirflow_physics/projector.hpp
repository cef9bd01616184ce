#pragma once
// CT projectors: the discrete X-ray transform of a 2-D image (image → sinogram) and its exact
// adjoint (sinogram → image).
//
// Discretisation: Joseph's method. Each ray (one per view and bin, through the bin centre) is
// stepped along the image axis it is closer to (rows when it runs more along y than along x,
// in pixel units); at every row (column) it crosses, the image is interpolated linearly between
// the two pixels beside the crossing point (pixels outside the image are zero), and the value
// is weighted by the length of the ray between two rows (dy/|d_y|). The adjoint visits the
// same rays and the same (pixel, weight) pairs and scatters instead of gathering, so it is the
// transpose of the same matrix up to float rounding: <Ax, y> = <x, Aᵀy>.
//
// Threads: the forward runs views in parallel (each view writes its own sinogram row); the
// adjoint runs 8 fixed chunks of views in parallel into private images that are then summed in a
// fixed order, so results do not depend on the number of threads. Within a view all rays step
// together, row by row (column-driven rays read a transposed copy), to stay in cache.
//
// CUDA images (device_kernels.hpp) run on the device: one thread per ray walks the same Joseph
// steps; the adjoint scatters with atomic additions, so its float sums vary in their last bits
// from run to run (the CPU's do not).
//
// The pixel size is the geometry's (image_space()); the input image's own spacing is not read.
#include <cstdint>
#include <memory>
#include <mutex>

#include "mirflow_physics/operator.hpp"
#include "mirflow_physics/projection_geometry.hpp"

namespace mirflow::physics {

// A ray: a point on it and its unit direction, in mm in the image frame.
struct Ray {
  double px, py, ux, uy;
};

class RayProjector : public LinearOperator {
 public:
  // Validates the geometry (InputError).
  explicit RayProjector(ProjectionGeometry geometry);
  const ProjectionGeometry& geometry() const { return g_; }
  Space domain() const override { return g_.image_space(); }
  Space range() const override { return g_.sinogram_space(); }
  void apply_into(const Image& image, const Image& sinogram) const override;
  void adjoint_into(const Image& sinogram, const Image& image) const override;
  bool runs_on(Device) const override { return true; }

  // The ray of `bin` in `view`.
  virtual Ray ray(std::int64_t view, std::int64_t bin) const = 0;

 protected:
  ProjectionGeometry g_;

 private:
  // Every ray (px, py, ux, uy; view-major) in device memory, made on the first CUDA call.
  const double* device_rays() const;
  mutable std::mutex device_rays_mutex_;
  mutable Image device_rays_;
};

// The projector for g.beam (ParallelBeamProjector or FanBeamProjector).
std::unique_ptr<RayProjector> make_projector(const ProjectionGeometry& g);

// Σ over the Joseph weights of one ray, for tests: the line integral of `image` along `r`.
double joseph_line_integral(const Image& image, const Space& space, const Ray& r);

}  // namespace mirflow::physics
