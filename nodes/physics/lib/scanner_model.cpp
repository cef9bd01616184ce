#include "mirflow_physics/scanner_model.hpp"

#include <cmath>
#include <vector>

#include <mirflow/error.hpp>

#include "mirflow_physics/gaussian_blur.hpp"
#include "mirflow_physics/projector.hpp"

namespace mirflow::physics {

Image scanner_line_integrals(const ProjectionGeometry& g, const Image& mu, const ScannerModel& m) {
  if (m.oversample < 1 || m.oversample > 16)
    throw InputError("oversample must lie in [1, 16], got " + std::to_string(m.oversample));
  if (!(m.detector_blur >= 0) || !std::isfinite(m.detector_blur))
    throw InputError("detector_blur must be a finite number ≥ 0");
  const Image x = as_contiguous_f32(mu);
  if (x.nx() != g.image_nx || x.ny() != g.image_ny)
    throw InputError("the image is " + x.describe() + " but the geometry's grid is " + std::to_string(g.image_nx) + "×" +
                     std::to_string(g.image_ny));
  // The header's promise: k = 1 without blur is the projector itself, bit for bit (the path
  // below would round every value through float e^{−p} and back).
  if (m.oversample == 1 && m.detector_blur == 0)
    return make_projector(g)->apply(Image::view(x.storage(), x.offset_bytes(), x.dtype(), {x.nx(), x.ny(), 1}, 2, x.strides()));
  const int k = m.oversample;
  const std::int64_t nx = g.image_nx, ny = g.image_ny, bins = g.bins, views = g.views();

  // The sub-pixel image and the fine detector: bin b's sub-bins b·k … b·k + k − 1 have centres
  // whose mean is bin b's centre (bin_position), so the detector covers the same width.
  ProjectionGeometry fine = g;
  fine.image_nx = nx * k, fine.image_ny = ny * k;
  fine.pixel_dx = g.pixel_dx / k, fine.pixel_dy = g.pixel_dy / k;
  fine.bins = bins * k;
  fine.bin_spacing = g.bin_spacing / k;
  Image up = fine.image_space().allocate();
  const float* src = x.data<float>();
  float* dst = up.data<float>();
  for (std::int64_t j = 0; j < ny * k; ++j)
    for (std::int64_t i = 0; i < nx * k; ++i) dst[j * nx * k + i] = src[(j / k) * nx + i / k];
  const Image p_fine = make_projector(fine)->apply(up);

  // Photons per sub-bin, averaged over each bin's aperture (and blurred across bins).
  Image intensity = g.sinogram_space().allocate();
  const float* pf = p_fine.data<float>();
  float* in = intensity.data<float>();
  for (std::int64_t v = 0; v < views; ++v)
    for (std::int64_t b = 0; b < bins; ++b) {
      double acc = 0.0;
      for (int r = 0; r < k; ++r) acc += std::exp(-double(pf[v * bins * k + b * k + r]));
      in[v * bins + b] = float(acc / k);
    }
  if (m.detector_blur > 0) {
    const Space s = g.sinogram_space();
    // Along the bins only: a vanishing σ across views gives the kernel [1] there.
    intensity = GaussianBlur(s, m.detector_blur * s.spacing[0], 1e-9, 4.0, Boundary::Reflect).apply(intensity);
  }
  Image out = g.sinogram_space().allocate();
  float* o = out.data<float>();
  const float* blurred = intensity.data<float>();  // not `in`: the blur replaced the image it pointed into
  for (std::int64_t i = 0; i < out.size(); ++i) o[i] = float(-std::log(std::max(double(blurred[i]), 1e-300)));
  return out;
}

}  // namespace mirflow::physics
