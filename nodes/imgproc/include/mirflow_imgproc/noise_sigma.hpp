#pragma once
// Blind estimates of the noise σ of an image: one library for every node that needs σ.
//
// All estimators work on the 2×2 blocks of each xy-plane, pooled over the planes of a volume
// (σ is a property of the acquisition, so a volume gives one σ from all its planes). Blocks whose
// four pixels are identical carry no noise (masked, zero-filled or clipped regions) and are left
// out. An estimate needs at least 64 usable blocks (a 16×16 slice, or a 10×10×10 volume); the
// background and wavelet estimates also need a tenth of them in their own subset.
//
// For magnitude MRI (Rician noise):
//  - background: the Rayleigh fit of the background. Background blocks are those whose mean is
//    below 2σ; σ = median(their pixels) / √(2 ln 2) (the median of a Rayleigh distribution),
//    iterated from a start above the answer until σ moves by < 1e-4 relative. Exact where there is
//    background; impossible without it (a crop inside the body).
//  - wavelet: the MAD of the finest diagonal Haar coefficient d = (a − b − c + d)/2 (the pixel
//    variance; cancels constant and linear signal) over the blocks whose mean says A ≥ 4σ, each
//    |d| divided by √ξ(A/σ), the Rician variance factor (Koay and Basser 2006), iterated. Needs
//    tissue; inflated by texture finer than 2 pixels.
//  - vst: Foi's (2011) variance-stabilisation estimate: stabilise with σₖ (RicianVst), measure the
//    scale of the stabilised image's finest diagonal Haar band over every usable block (its RMS
//    within 3.5 MAD scales, corrected for the trim: the VST fixes the variance, and at SNR 1–2 the
//    MAD of stabilised noise reads low), σₖ₊₁ = σₖ · that, until it moves by < 1e-4 relative. Uses
//    tissue and background alike, so it needs neither; inflated by fine texture like `wavelet`.
//  - auto (the default): the smallest of those that have enough blocks. Each estimate can only be
//    inflated by its own contamination (texture; dark tissue counted as background), so the
//    smallest is the least contaminated: measured on Colin27 and INIA19 with Rician 1–15 %, whole
//    slices, crops inside the head and mostly-background slices, docs/noise.md.
// For additive Gaussian noise (CT, any image without a Rician floor): `gaussian`, the Gaussian MAD
// of the same Haar band over all usable blocks (Donoho and Johnstone 1994).
#include <string>
#include <string_view>

#include "mirflow_imgproc/volume_view.hpp"

namespace mirflow::imgproc {

enum class SigmaMethod { Auto, Background, Wavelet, Vst, Gaussian };

// "auto", "background", "wavelet", "vst", "gaussian"; parse throws std::invalid_argument naming
// the choices.
std::string_view sigma_method_name(SigmaMethod m);
SigmaMethod parse_sigma_method(std::string_view name);

struct SigmaEstimate {
  double sigma = 0;            // 0: no measurable noise (see note)
  SigmaMethod method = SigmaMethod::Auto;  // the estimator that gave sigma
  // Each estimator's answer, 0 where it had too few blocks (or was not asked for).
  double background = 0, wavelet = 0, vst = 0, gaussian = 0;
  std::int64_t blocks = 0;     // usable 2×2 blocks (not constant)
  std::string note;            // why sigma is 0, when it is
  bool measurable() const { return sigma > 0; }
};

// σ of Rician magnitudes (method Auto, Background, Wavelet or Vst) or of additive Gaussian noise
// (Gaussian). Never throws for want of noise: returns sigma = 0 with a note instead. The caller
// checks for NaN (require_finite_nonconstant).
SigmaEstimate estimate_sigma(const VolumeView& image, SigmaMethod method = SigmaMethod::Auto);

// Throws std::invalid_argument (text naming `what`) for NaN or infinite samples or an image whose
// samples are all equal: inputs no estimator or denoiser can make sense of.
void require_finite_nonconstant(const VolumeView& image, const std::string& what);

}  // namespace mirflow::imgproc
