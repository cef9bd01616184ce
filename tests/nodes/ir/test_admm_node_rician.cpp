// The Rician helpers of ir.admm (nodes/ir/rician_noise.*): the mean and variance functions
// against a numerical integral of the Rice density, the inverse mean, and the noise estimate
// against simulated data with known σ (ch2 slices from mricron-data, pure background, pure signal).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numbers>
#include <random>

#include <mirflow/error.hpp>

#include "physics_test_util.hpp"
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

// Magnitudes |a + σ(n1 + i n2)| of a 2-D truth image.
Image add_rician(const Image& truth, double sigma, std::uint32_t seed) {
  Image out = Image::allocate2d(DType::F32, truth.nx(), truth.ny());
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0.0, sigma);
  for (std::int64_t i = 0; i < truth.size(); ++i) {
    const double re = truth.data<float>()[i] + n(rng), im = n(rng);
    out.data<float>()[i] = static_cast<float>(std::hypot(re, im));
  }
  return out;
}

Image filled(std::int64_t nx, std::int64_t ny, float v) {
  Image im = Image::allocate2d(DType::F32, nx, ny);
  std::fill(im.data<float>(), im.data<float>() + im.size(), v);
  return im;
}

}  // namespace

TEST(RicianNoise, MeanAndVarianceMatchTheIntegralOfTheRiceDensity) {
  for (double theta : {0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 20.0}) {
    const double mean = rice_moment(theta, 1);
    EXPECT_NEAR(rician_mean_ratio(theta), mean, 1e-6) << "θ = " << theta;
    EXPECT_NEAR(rician_variance_ratio(theta), rice_moment(theta, 2, mean), 1e-5) << "θ = " << theta;
  }
  // Closed forms: pure noise is Rayleigh (mean √(π/2), variance 2 − π/2).
  EXPECT_NEAR(rician_mean_ratio(0), std::sqrt(std::numbers::pi / 2), 1e-12);
  EXPECT_NEAR(rician_variance_ratio(0), 2 - std::numbers::pi / 2, 1e-12);
  // Beyond the table the large-SNR expansion θ + 1/(2θ) is used; its error is O(θ⁻³).
  EXPECT_NEAR(rician_mean_ratio(35.0), rice_moment(35.0, 1), 1e-5);
}

TEST(RicianNoise, MeanInverseUndoesTheMean) {
  for (double theta : {0.5, 1.0, 1.7, 3.0, 10.0, 29.9, 30.5, 100.0})
    EXPECT_NEAR(rician_mean_ratio_inverse(rician_mean_ratio(theta)), theta, 1e-3 * std::max(1.0, theta)) << theta;
  EXPECT_EQ(rician_mean_ratio_inverse(1.0), 0.0);  // below the mean of pure noise
  EXPECT_EQ(rician_mean_ratio_inverse(-3.0), 0.0);

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

TEST(RicianNoise, EstimateOnPureBackgroundAndPureSignal) {
  // Background only (A = 0: Rayleigh): the background estimate alone, within 3 %.
  const double s1 = estimate_rician_sigma(add_rician(filled(128, 128, 0.f), 10.0, 1), "test").sigma;
  EXPECT_NEAR(s1, 10.0, 0.3);
  // Bright only (θ = 20: nearly Gaussian): the signal estimate alone, within 3 %.
  const RicianNoiseEstimate e = estimate_rician_sigma(add_rician(filled(128, 128, 100.f), 5.0, 2), "test");
  EXPECT_NEAR(e.sigma, 5.0, 0.15);
  EXPECT_EQ(e.background_sigma, 0.0);
  // A smooth ramp with a dark half: both estimates, the ramp (linear) cancelled by the Haar detail.
  Image ramp = Image::allocate2d(DType::F32, 160, 160);
  for (std::int64_t y = 0; y < 160; ++y)
    for (std::int64_t x = 0; x < 160; ++x) ramp.at<float>(x, y) = x < 80 ? 0.f : float(60 + 2 * x);
  const RicianNoiseEstimate r = estimate_rician_sigma(add_rician(ramp, 8.0, 3), "test");
  EXPECT_NEAR(r.sigma, 8.0, 0.25);
  EXPECT_GT(r.signal_sigma, 0.0);
  EXPECT_GT(r.background_sigma, 0.0);
}

TEST(RicianNoise, TooSmallOrNoiselessImagesAskForSigma) {
  try {
    estimate_rician_sigma(add_rician(filled(16, 16, 50.f), 2.0, 4), "node 'x'");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("node 'x'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'sigma'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(estimate_rician_sigma(filled(128, 128, 0.f), "x"), InputError);
}

// ch2 (Colin27 T1, 181×217×181, maximum 254) slices with Rician noise of 3, 5 and 9 % of 254:
// the estimate is within 10 % of the σ used (measured: 0.99 … 1.07, python prototype).
TEST(RicianNoise, EstimateOnCh2SlicesWithinTenPercent) {
  const fs::path ch2 = "/usr/share/mricron/templates/ch2.nii.gz";
  if (!fs::exists(ch2) || !mirflow::test::python_has("nibabel")) GTEST_SKIP() << "needs mricron-data and python3-nibabel";
  const fs::path dir = mirflow::test::scratch_dir("rician_ch2");
  const std::string cmd = "/usr/bin/python3 -c \"import nibabel, numpy; v = nibabel.load('" + ch2.string() +
                          "').get_fdata().astype(numpy.float32); [v[:, :, z].T.tofile('" + dir.string() +
                          "/z%d.raw' % z) for z in (45, 90, 130)]\"";
  std::string out;
  ASSERT_EQ(mirflow::test::run_command(cmd, &out), 0) << out;
  std::uint32_t seed = 10;
  for (int z : {45, 90, 130}) {
    // Stored transposed (row = y), so that x (181 wide) varies fastest, as NIfTI's i axis.
    const Image truth = physics::ptest::read_raw(dir / ("z" + std::to_string(z) + ".raw"), 181, 217);
    for (double level : {0.03, 0.05, 0.09}) {
      const double sigma = level * 254;
      const RicianNoiseEstimate e = estimate_rician_sigma(add_rician(truth, sigma, ++seed), "test");
      std::printf("ch2 z=%d, σ = %.0f %% of 254: estimate/σ = %.3f (signal %.3f, background %.3f)\n", z, 100 * level,
                  e.sigma / sigma, e.signal_sigma / sigma, e.background_sigma / sigma);
      EXPECT_NEAR(e.sigma / sigma, 1.0, 0.10) << "z = " << z << ", level " << level;
    }
  }
}
