#pragma once
// Statistical weights of transmission CT (the W of ½‖Ax − b‖²_W), from the expected counts.
// With line integrals b_i and blank-scan counts I0, the expected counts are n_i = I0·exp(−b_i);
// the variance of the log data is ≈ 1/n_i (Poisson), or (n_i + σ_e²)/n_i² with electronic noise
// of variance σ_e² (in counts²), so w_i = n_i²/(n_i + σ_e²) (= n_i without electronic noise).
// Normalised to mean 1 over the sinogram: only the relative reliability of the rays enters W,
// so β keeps its meaning across doses.
#include <mirflow/image.hpp>

namespace mirflow::ir {

// `line_integrals`: the sinogram (any real dtype); I0 > 0; σ_e² ≥ 0. Returns float32, same shape.
Image ct_statistical_weights(const Image& line_integrals, double I0, double electronic_noise_variance = 0.0);

}  // namespace mirflow::ir
