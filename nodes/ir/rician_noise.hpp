#pragma once
// Rician bias corrections of ir.admm on magnitude data (A = identity), per pixel, on the Rician
// moments of imgproc (mirflow_imgproc/rician.hpp). The noise level comes from
// imgproc::resolve_noise_level (a parameter, the metadata of noise.estimate_sigma, or a blind
// estimate), the same σ every other node sees.
#include <mirflow/image.hpp>

namespace mirflow::ir {

// Pre-correction: sqrt(max(m² − 2σ², 0)) per pixel (E[m²] − 2σ² = A²), float32.
Image rician_debias_squared(const Image& magnitude, double sigma);
// Post-correction of an estimate x̂ of E[m] (a denoised magnitude): A = σ·ν⁻¹(x̂/σ) per pixel.
Image rician_invert_mean(const Image& mean_estimate, double sigma);
// The reverse, E[m] = σ·ν(A/σ) per pixel (negative A taken as 0), float32: expresses an amplitude
// image (a prior that estimates A, such as a denoiser's output) in the E[m] units a post-corrected
// solve works in.
Image rician_mean(const Image& amplitude, double sigma);

}  // namespace mirflow::ir
