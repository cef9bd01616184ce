#pragma once
// Line integrals as a scanner measures them, not as the reconstruction models them: the path
// that keeps CT tests and tuning free of the "inverse crime" (data made by the very projector
// that reconstructs it flatters every model-based method).
//   - The image is taken as piecewise-constant pixels, each split into k × k sub-pixels, and
//     projected by Joseph's method on that k-times finer grid with a k-times finer detector: k
//     sub-rays per detector bin, spread across the bin's width. The reconstruction's projector
//     instead interpolates linearly on the coarse grid with one ray per bin centre.
//   - Each bin integrates photons over its aperture: it measures −ln(mean_r e^{−p_r}) of its
//     sub-rays (the non-linear partial-volume effect at edges), not their mean line integral.
//   - Optional detector cross-talk: a Gaussian blur of the intensities e^{−p} along the bins
//     (σ in bins, reflecting borders) before the log.
// k = 1 without blur is exactly the projector (physics::make_projector).
#include "mirflow_physics/projection_geometry.hpp"
#include "mirflow_physics/operator.hpp"

namespace mirflow::physics {

struct ScannerModel {
  int oversample = 1;          // k ≥ 1
  double detector_blur = 0.0;  // σ in bins, ≥ 0
};

// The noise-free sinogram (views × bins float32) of a 2-D µ image (1/mm) on g's image grid.
// Throws InputError for k outside [1, 16], a negative blur or an image that does not match g.
Image scanner_line_integrals(const ProjectionGeometry& g, const Image& mu, const ScannerModel& model);

}  // namespace mirflow::physics
