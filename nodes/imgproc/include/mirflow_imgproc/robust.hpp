#pragma once
// Robust statistics with one rank rule for the whole project: the median of an even count is the
// mean of the two middle values (numpy's and scikit-image's rule).
#include <vector>

namespace mirflow::imgproc {

// Median of v (reordered in place); 0 for an empty vector.
double median_inplace(std::vector<double>& v);
inline double median(std::vector<double> v) { return median_inplace(v); }

// Φ⁻¹(3/4): the median of |g| for g ~ N(0, 1).
inline constexpr double kNormalQuartile = 0.6744897501960817;

// Robust σ of zero-mean Gaussian coefficients: median(|c|) / Φ⁻¹(3/4) over the nonzero
// coefficients (Donoho & Johnstone 1994; scikit-image's _sigma_est_dwt). 0 when all are zero.
double mad_sigma(const std::vector<double>& coeffs);

}  // namespace mirflow::imgproc
