#pragma once
// Statistical weights of transmission CT (the W of ½‖Ax − b‖²_W), from the expected counts.
// With line integrals b_i and blank-scan counts I0, the expected counts are n_i = I0·exp(−b_i);
// the variance of the log data is ≈ 1/n_i (Poisson), or (n_i + σ_e²)/n_i² with electronic noise
// of variance σ_e² (in counts²), so w_i = n_i²/(n_i + σ_e²) (= n_i without electronic noise).
#include <mirflow/image.hpp>

namespace mirflow::ir {

// w_i = n_i²/(n_i + σ_e²) themselves: the inverse variances of the log data, so that ½‖Ax − b‖²_W
// is the quadratic approximation of the negative Poisson log-likelihood and a fixed β weighs a
// prior against it correctly at every dose (ir.pwls). `line_integrals`: the sinogram (any real
// dtype); I0 > 0; σ_e² ≥ 0. Returns float32, same shape. Throws std::invalid_argument for a
// non-finite line integral (naming its raster index) or when every count is 0.
Image ct_count_weights(const Image& line_integrals, double I0, double electronic_noise_variance = 0.0);

// The same normalised to mean 1 over the sinogram: only the rays' relative reliability enters W
// (ir.admm, whose β refers to a data term of unit gain).
Image ct_statistical_weights(const Image& line_integrals, double I0, double electronic_noise_variance = 0.0);

}  // namespace mirflow::ir
