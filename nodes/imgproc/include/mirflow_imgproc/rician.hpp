#pragma once
// Rician statistics of MRI magnitudes, in units of the noise σ (θ = A/σ, z = m/σ).
//
// A magnitude m = |A + n|, with complex Gaussian noise n of standard deviation σ per part, follows
// a Rice distribution: E[m²] = A² + 2σ², and E[m] > A, the bias that lifts dark regions (pure
// background, A = 0, has mean σ√(π/2) ≈ 1.25σ).

namespace mirflow::imgproc {

// e^{−x} I₀(x) and e^{−x} I₁(x) for x ≥ 0, without overflow at any x.
double bessel_i0e(double x);
double bessel_i1e(double x);

// The Rice density of z ≥ 0 for σ = 1 and signal θ ≥ 0: z·exp(−(z² + θ²)/2)·I₀(zθ).
double rician_pdf(double z, double theta);

// E[m]/σ as a function of θ: √(π/2)·e^{−θ²/4}[(1 + θ²/2) I₀(θ²/4) + (θ²/2) I₁(θ²/4)].
double rician_mean_ratio(double theta);
// Var[m]/σ² as a function of θ: ξ(θ) = 2 + θ² − (E[m]/σ)² (Koay and Basser 2006).
double rician_variance_ratio(double theta);
// The θ ≥ 0 with rician_mean_ratio(θ) = r; 0 for r ≤ √(π/2) (below the mean of pure noise).
double rician_mean_ratio_inverse(double r);

}  // namespace mirflow::imgproc
