#pragma once
// Rician statistics of MRI magnitude images, for ir.admm on magnitude data (A = identity).
//
// A magnitude pixel m = |A + n| with complex Gaussian noise n of standard deviation σ per part
// follows a Rice distribution: E[m²] = A² + 2σ², and E[m] = ν(A) > A, the bias that lifts dark
// regions (pure background, A = 0, has mean σ√(π/2) ≈ 1.25σ).
//
// Noise estimate (estimate_rician_sigma), on the 2×2 blocks of the image:
//  1. signal blocks: the finest diagonal Haar coefficient d = (a − b − c + d)/2 has the pixel noise
//     variance and cancels constant and linear signal. Its MAD/0.6745 (Donoho) over the blocks
//     whose mean says A ≥ 4σ, each |d| divided by √ξ(A/σ) (the Rician variance factor, Koay and
//     Basser 2006), iterated from the MAD over all blocks until σ moves by < 1e-4 relative.
//  2. background blocks (block mean < 2σ): the median of their pixels over √(2 ln 2), the median
//     of a Rayleigh distribution, iterated the same way.
// Each is inflated by its own contamination (texture in 1, dark tissue in 2), so the smaller of
// the two that have at least 256 blocks is returned.
#include <string>

#include <mirflow/image.hpp>

namespace mirflow::ir {

struct RicianNoiseEstimate {
  double sigma = 0;             // the estimate (the smaller available one)
  double signal_sigma = 0;      // from step 1, 0 when fewer than 256 signal blocks
  double background_sigma = 0;  // from step 2, 0 when fewer than 256 background blocks
};

// `magnitude`: a 2-D image of any dtype. Throws InputError naming `where` when neither estimate
// has enough blocks (an image smaller than 32×32, or one without noise).
RicianNoiseEstimate estimate_rician_sigma(const Image& magnitude, const std::string& where);

// E[m]/σ as a function of θ = A/σ ≥ 0: √(π/2)·e^{−θ²/4}[(1 + θ²/2) I₀(θ²/4) + (θ²/2) I₁(θ²/4)].
double rician_mean_ratio(double theta);
// Var[m]/σ² as a function of θ: ξ(θ) = 2 + θ² − (E[m]/σ)².
double rician_variance_ratio(double theta);
// The θ ≥ 0 with rician_mean_ratio(θ) = r; 0 for r ≤ √(π/2) (below the mean of pure noise).
double rician_mean_ratio_inverse(double r);

// Pre-correction: sqrt(max(m² − 2σ², 0)) per pixel (E[m²] − 2σ² = A²), float32.
Image rician_debias_squared(const Image& magnitude, double sigma);
// Post-correction of an estimate x̂ of E[m] (a denoised magnitude): A = σ·ν⁻¹(x̂/σ) per pixel.
Image rician_invert_mean(const Image& mean_estimate, double sigma);
// The reverse, E[m] = σ·ν(A/σ) per pixel (negative A taken as 0), float32: expresses an amplitude
// image (a prior that estimates A, such as a denoiser's output) in the E[m] units a post-corrected
// solve works in.
Image rician_mean(const Image& amplitude, double sigma);

}  // namespace mirflow::ir
