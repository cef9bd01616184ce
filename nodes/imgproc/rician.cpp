#include "mirflow_imgproc/rician.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace mirflow::imgproc {
namespace {

constexpr double kThetaMax = 30.0;   // beyond: the large-SNR expansion
constexpr double kThetaStep = 1e-3;  // table step for the inverse
constexpr double kBesselSwitch = 50.0;  // above: the asymptotic series of e^{−x} I_n(x)

// e^{−x} I_n(x) ≈ (2πx)^{−1/2} Σ_k (−1)^k a_k(n) / x^k, a_k(n) = Π_{j=1..k} (4n² − (2j − 1)²) / (k! 8^k).
double bessel_ie_asymptotic(int n, double x) {
  const double mu = 4.0 * n * n;
  double term = 1.0, sum = 1.0;
  for (int k = 1; k <= 8; ++k) {
    term *= -(mu - (2.0 * k - 1) * (2.0 * k - 1)) / (k * 8.0 * x);
    sum += term;
  }
  return sum / std::sqrt(2.0 * std::numbers::pi * x);
}

const std::vector<double>& mean_table() {
  static const std::vector<double> table = [] {
    std::vector<double> t(static_cast<std::size_t>(kThetaMax / kThetaStep) + 1);
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = rician_mean_ratio(double(i) * kThetaStep);
    return t;
  }();
  return table;
}

}  // namespace

double bessel_i0e(double x) {
  return x > kBesselSwitch ? bessel_ie_asymptotic(0, x) : std::cyl_bessel_i(0.0, x) * std::exp(-x);
}
double bessel_i1e(double x) {
  return x > kBesselSwitch ? bessel_ie_asymptotic(1, x) : std::cyl_bessel_i(1.0, x) * std::exp(-x);
}

double rician_pdf(double z, double theta) {
  if (z <= 0) return 0.0;
  const double d = z - theta;
  return z * std::exp(-0.5 * d * d) * bessel_i0e(z * theta);  // e^{−(z²+θ²)/2} I₀(zθ) = e^{−(z−θ)²/2} i0e(zθ)
}

double rician_mean_ratio(double theta) {
  if (theta > kThetaMax) return theta + 0.5 / theta + 0.125 / (theta * theta * theta);  // large-SNR expansion
  const double t2 = theta * theta, y = 0.25 * t2;
  return std::sqrt(std::numbers::pi / 2) * ((1.0 + 0.5 * t2) * bessel_i0e(y) + 0.5 * t2 * bessel_i1e(y));
}

double rician_variance_ratio(double theta) {
  if (theta > kThetaMax) return 1.0 - 0.5 / (theta * theta);  // 2 + θ² − (the expansion above)²
  const double r = rician_mean_ratio(theta);
  return 2.0 + theta * theta - r * r;
}

double rician_mean_ratio_inverse(double r) {
  const auto& t = mean_table();
  if (!(r > t.front())) return 0.0;
  if (r >= t.back()) return 0.5 * (r + std::sqrt(std::max(r * r - 2.0, 0.0)));  // inverse of θ + 1/(2θ)
  const auto hi = std::upper_bound(t.begin(), t.end(), r);
  const std::size_t i = std::size_t(hi - t.begin());  // t[i−1] ≤ r < t[i]
  const double f = (r - t[i - 1]) / (t[i] - t[i - 1]);
  return (double(i - 1) + f) * kThetaStep;
}

}  // namespace mirflow::imgproc
