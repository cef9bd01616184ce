// The Rician bias corrections of ir.admm (nodes/ir/rician_noise.*) against a numerical integral of
// the Rice density. (The moments and the σ estimators themselves are imgproc's, tested in
// tests/nodes/imgproc.)
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numbers>
#include <random>

#include <mirflow/error.hpp>

#include "rician_noise.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::ir;
namespace fs = std::filesystem;

namespace {

// E[m^k]/σ^k of the Rice distribution with ν = θσ, by the trapezoid rule on the density
// p(m) = m exp(−(m² + θ²)/2) I₀(mθ) (σ = 1), written as m e^{−(m−θ)²/2} · e^{−mθ}I₀(mθ).
// e^{−y} I₀(y): the library function below 500, Hankel's asymptotic series above (it overflows).
double i0_scaled(double y) {
  if (y < 500) return std::cyl_bessel_i(0.0, y) * std::exp(-y);
  return (1 + 1 / (8 * y) + 9 / (128 * y * y)) / std::sqrt(2 * std::numbers::pi * y);
}

double rice_moment(double theta, int k, double centre = 0) {
  const double lo = std::max(0.0, theta - 12), hi = theta + 12, h = 5e-4;  // e^{−72} beyond
  double s = 0;
  for (double m = lo; m <= hi; m += h) {
    const double e = i0_scaled(m * theta);
    const double p = m * std::exp(-0.5 * (m - theta) * (m - theta)) * e;
    s += std::pow(m - centre, k) * p * ((m == lo) ? 0.5 : 1.0);
  }
  return s * h;
}

}  // namespace

TEST(RicianNoise, PostAndPreCorrectionMaps) {
  // Images: the post-correction maps E[m] back to A, the pre-correction is sqrt(max(m² − 2σ², 0)).
  Image a = Image::allocate2d(DType::F32, 4, 1), m = Image::allocate2d(DType::F32, 4, 1);
  const double sigma = 3.0, amps[4] = {0.0, 2.0, 6.0, 30.0};
  for (int i = 0; i < 4; ++i) m.data<float>()[i] = float(sigma * rice_moment(amps[i] / sigma, 1));
  const Image post = rician_invert_mean(m, sigma), pre = rician_debias_squared(m, sigma);
  for (int i = 1; i < 4; ++i) EXPECT_NEAR(post.data<float>()[i], amps[i], 2e-3 * sigma) << i;
  // The forward map, amplitude → E[m], against the integral; a negative amplitude counts as 0.
  for (int i = 0; i < 4; ++i) a.data<float>()[i] = float(amps[i]);
  const Image mean = rician_mean(a, sigma);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(mean.data<float>()[i], m.data<float>()[i], 1e-4 * sigma) << i;
  a.data<float>()[0] = -5.f;
  EXPECT_NEAR(rician_mean(a, sigma).data<float>()[0], m.data<float>()[0], 1e-4 * sigma);
  EXPECT_NEAR(post.data<float>()[0], 0.0, 0.05 * sigma);  // the table's flat start near θ = 0
  for (int i = 0; i < 4; ++i) {
    const double v = m.data<float>()[i];
    EXPECT_NEAR(pre.data<float>()[i], std::sqrt(std::max(v * v - 2 * sigma * sigma, 0.0)), 1e-4);
  }
}
