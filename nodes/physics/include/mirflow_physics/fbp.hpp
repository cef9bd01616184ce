#pragma once
// Filtered back-projection for parallel and fan beam (flat and equiangular arc detectors).
//
// Filtering: every view is zero-padded to P = max(64, the power of two ≥ 2·bins) and
// multiplied in the frequency domain by the DFT of the band-limited ramp's discrete kernel
// (Kak & Slaney eq. 3.61: h(0) = 1/4τ², h(odd n) = −1/(nπτ)², h(even n) = 0; for the equiangular
// fan its (γ/sin γ)² form), times a window of the normalised frequency f ∈ [−½, ½):
//   ramp 1 · shepp-logan sinc(f) = sin(πf)/(πf) · cosine cos(πf) · hann ½(1 + cos 2πf)
// (scikit-image's windows), and 0 above `cutoff`·Nyquist.
// Parallel beam: f(x) = (π/N) Σ_views Q_θ(x·n_θ)       (N views evenly over 180° or 360°).
// Fan beam (full scan, ≥ 360°): cosine pre-weighting, Kak & Slaney §3.4:
//   arc:  R'(γ) = R(γ)·D_so·cos γ,          f = Δβ Σ Q_β(γ')/L²,  L = |pixel − source|
//   flat: R'(p) = R(p)·D_so/√(D_so² + p²), f = Δβ Σ Q_β(p')/U²,  U = depth of the pixel / D_so
//   (p: detector coordinate scaled to the isocentre); short scans (180° + fan angle ≤ range
//   < 360°) get Parker weights and a factor 2.
// Back-projection is voxel-driven with linear interpolation in the filtered views (zero outside
// the detector): faster than the exact adjoint, and what FBP needs.
#include <cstdint>
#include <string>
#include <vector>

#include "mirflow_physics/sinogram.hpp"

namespace mirflow::physics {

enum class FbpFilter { Ramp, SheppLogan, Cosine, Hann };
const char* fbp_filter_name(FbpFilter f);                 // "ramp", "shepp-logan", "cosine", "hann"
FbpFilter fbp_filter_from_name(const std::string& name);  // also "shepp_logan"; throws InputError

struct FbpOptions {
  FbpFilter filter = FbpFilter::Ramp;
  double cutoff = 1.0;       // fraction of the Nyquist frequency kept, (0, 1]
  std::int64_t nx = 0, ny = 0;  // output size; 0: the geometry's image
  double dx = 0, dy = 0;        // output pixel size (mm); 0: the geometry's
  // Parallel beam: the AVX2 back-projection kernel where the CPU has it; false forces the
  // portable scalar loop (results agree to float rounding).
  bool vectorized = true;
};

// Reconstructs µ (1/mm) from line integrals. Throws InputError for an unusable sinogram (shape,
// geometry, a fan-beam scan shorter than 180° + fan angle).
Image fbp(const Sinogram& sinogram, const FbpOptions& options = {});

// The padded length for `bins` and the filter's response at the P/2 + 1 non-negative
// frequencies (the parallel-beam ramp with window, per bin: multiply by 1/τ for 1/mm).
std::int64_t fbp_padded_length(std::int64_t bins);
std::vector<double> fbp_frequency_response(std::int64_t padded, FbpFilter filter, double cutoff = 1.0);

}  // namespace mirflow::physics
