// Rician moments (mirflow_imgproc/rician.hpp) against a numerical integral of the Rice density
// written out here, and the scaled Bessel functions against the C++ library where it does not
// overflow.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include <mirflow_imgproc/rician.hpp>

using namespace mirflow::imgproc;

namespace {

// E[(m − centre)^k] of Rice(θ, 1) by the trapezoid rule, with its own scaled Bessel function.
double i0_scaled(double y) {
  if (y < 500) return std::cyl_bessel_i(0.0, y) * std::exp(-y);
  return (1 + 1 / (8 * y) + 9 / (128 * y * y)) / std::sqrt(2 * std::numbers::pi * y);
}

double rice_moment(double theta, int k, double centre = 0) {
  const double lo = std::max(0.0, theta - 12), hi = theta + 12, h = 5e-4;
  double s = 0;
  for (double m = lo; m <= hi; m += h) {
    const double p = m * std::exp(-0.5 * (m - theta) * (m - theta)) * i0_scaled(m * theta);
    s += std::pow(m - centre, k) * p * ((m == lo) ? 0.5 : 1.0);
  }
  return s * h;
}

}  // namespace

TEST(Rician, MeanAndVarianceMatchTheIntegral) {
  for (double theta : {0.0, 0.3, 1.0, 2.0, 4.0, 8.0, 15.0, 29.0}) {
    const double mean = rice_moment(theta, 1);
    EXPECT_NEAR(rician_mean_ratio(theta), mean, 1e-6) << "θ = " << theta;
    EXPECT_NEAR(rician_variance_ratio(theta), rice_moment(theta, 2, mean), 1e-5) << "θ = " << theta;
  }
  EXPECT_NEAR(rician_mean_ratio(0), std::sqrt(std::numbers::pi / 2), 1e-12);
  EXPECT_NEAR(rician_variance_ratio(0), 2 - std::numbers::pi / 2, 1e-12);
  // Beyond the table: the large-SNR expansions.
  EXPECT_NEAR(rician_mean_ratio(35.0), rice_moment(35.0, 1), 1e-5);
  EXPECT_NEAR(rician_variance_ratio(35.0), rice_moment(35.0, 2, rice_moment(35.0, 1)), 1e-5);
}

TEST(Rician, MeanInverseRoundTrips) {
  for (double theta : {0.5, 1.0, 3.0, 10.0, 25.0, 40.0})
    EXPECT_NEAR(rician_mean_ratio_inverse(rician_mean_ratio(theta)), theta, 1e-3 * std::max(1.0, theta)) << theta;
  EXPECT_EQ(rician_mean_ratio_inverse(1.0), 0.0);  // below the mean of pure noise
  EXPECT_EQ(rician_mean_ratio_inverse(-3.0), 0.0);
}

TEST(Rician, ScaledBesselAndDensity) {
  for (double x : {0.0, 0.1, 1.0, 10.0, 49.0, 51.0, 300.0, 650.0}) {  // I₀(650) is still finite in double
    EXPECT_NEAR(bessel_i0e(x), std::cyl_bessel_i(0.0, x) * std::exp(-x), 1e-12 * std::max(1.0, 1 / bessel_i0e(x))) << x;
    EXPECT_NEAR(bessel_i1e(x), std::cyl_bessel_i(1.0, x) * std::exp(-x), 1e-12) << x;
  }
  EXPECT_TRUE(std::isfinite(bessel_i0e(1e6)));
  for (double theta : {0.0, 2.0, 40.0}) {  // the density integrates to 1
    double s = 0;
    for (double z = 0; z < theta + 12; z += 1e-3) s += rician_pdf(z, theta) * 1e-3;
    EXPECT_NEAR(s, 1.0, 1e-6) << theta;
  }
}
