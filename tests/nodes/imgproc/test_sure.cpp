// Monte-Carlo SURE (mirflow_imgproc/sure.hpp) against closed forms: for a linear denoiser the
// divergence is known exactly, and SURE must track the true error; the strength search must find
// the minimum of a known risk curve.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include <mirflow_imgproc/sure.hpp>

using namespace mirflow::imgproc;

namespace {

std::vector<double> smooth_signal(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = 50.0 * std::sin(0.01 * double(i)) + 20.0 * std::cos(0.003 * double(i));
  return x;
}

// A 1-D moving average of half-width w, blended: D_s(y) = (1 − s')·y + s'·box(y), s' = s / 2.
// Linear in y, so div D = N·((1 − s') + s'/(2w + 1)) away from the ends; ends are periodic here.
std::vector<double> blend_box(const std::vector<double>& y, double s, int w) {
  const std::size_t n = y.size();
  const double a = std::min(1.0, s / 2.0);
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    double sum = 0;
    for (int k = -w; k <= w; ++k) sum += y[(i + n + std::size_t(k + int(n))) % n];
    out[i] = (1 - a) * y[i] + a * sum / (2 * w + 1);
  }
  return out;
}

}  // namespace

TEST(Sure, MatchesTheClosedFormForALinearDenoiser) {
  const std::size_t n = 20000;
  const double sigma = 4.0;
  const std::vector<double> x = smooth_signal(n);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> g(0.0, sigma);
  std::vector<double> y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = x[i] + g(rng);
  const int w = 4;
  for (double s : {0.3, 1.0, 1.8}) {
    const std::vector<double> dy = blend_box(y, s, w);
    const std::vector<double> b = sure_probe(n, 11);
    const double eps = 0.01 * sigma;
    std::vector<double> yp(n);
    for (std::size_t i = 0; i < n; ++i) yp[i] = y[i] + eps * b[i];
    const double mc = mc_sure(y, dy, blend_box(yp, s, w), b, eps, sigma);
    // Exact SURE: the divergence of a linear map is its trace.
    const double a = std::min(1.0, s / 2.0), trace = double(n) * ((1 - a) + a / (2 * w + 1));
    double fit = 0, mse = 0;
    for (std::size_t i = 0; i < n; ++i) {
      fit += (y[i] - dy[i]) * (y[i] - dy[i]);
      mse += (x[i] - dy[i]) * (x[i] - dy[i]);
    }
    const double exact = fit / double(n) - sigma * sigma + 2 * sigma * sigma * trace / double(n);
    // The ±1 probe's estimate of the trace of a linear map has variance Σ_{i≠j} a_ij²: small here.
    EXPECT_NEAR(mc, exact, 0.02 * sigma * sigma) << s;
    EXPECT_NEAR(mc, mse / double(n), 0.08 * sigma * sigma) << s;  // and it estimates the true error
  }
}

// A scored window (the centre slice of a slab): the probe perturbs only the window and the risk is
// the window's, against the closed form restricted to it.
TEST(Sure, ScoredWindowMatchesTheClosedFormOnTheWindow) {
  const std::size_t n = 30000, first = 10000, m = 10000;
  const double sigma = 5.0, s = 1.2;
  const int w = 3;
  const std::vector<double> x = smooth_signal(n);
  std::mt19937_64 rng(9);
  std::normal_distribution<double> g(0.0, sigma);
  std::vector<double> y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = x[i] + g(rng);
  SureOptions o;
  o.lo = o.hi = s;
  o.evaluations = 1;
  o.scored_offset = first;
  o.scored_size = m;
  const SureChoice c = choose_strength_sure(y, sigma, [&](const std::vector<double>& v, double f) { return blend_box(v, f, w); }, o);
  ASSERT_EQ(c.output.size(), m);
  const std::vector<double> d = blend_box(y, s, w);
  const double a = std::min(1.0, s / 2.0);
  double fit = 0;
  for (std::size_t i = first; i < first + m; ++i) fit += (y[i] - d[i]) * (y[i] - d[i]);
  const double exact = fit / double(m) - sigma * sigma + 2 * sigma * sigma * ((1 - a) + a / (2 * w + 1));
  EXPECT_NEAR(c.risk, exact, 0.02 * sigma * sigma);
  o.scored_offset = n;  // outside the samples
  EXPECT_THROW(choose_strength_sure(y, sigma, [&](const std::vector<double>& v, double f) { return blend_box(v, f, w); }, o),
               std::invalid_argument);
}

TEST(Sure, StrengthSearchFindsTheMinimumOfTheRisk) {
  const std::size_t n = 20000;
  const double sigma = 6.0;
  const std::vector<double> x = smooth_signal(n);
  std::mt19937_64 rng(4);
  std::normal_distribution<double> g(0.0, sigma);
  std::vector<double> y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = x[i] + g(rng);
  auto denoise = [](const std::vector<double>& v, double s) { return blend_box(v, s, 3); };
  SureOptions o;
  o.lo = 0.1;
  o.hi = 2.0;
  o.evaluations = 8;
  const SureChoice c = choose_strength_sure(y, sigma, denoise, o);
  EXPECT_EQ(c.curve.size(), 8u);
  // The oracle on a fine grid (true MSE against x).
  double best_mse = INFINITY;
  for (double s = 0.1; s <= 2.0; s += 0.01) {
    const std::vector<double> d = denoise(y, s);
    double mse = 0;
    for (std::size_t i = 0; i < n; ++i) mse += (x[i] - d[i]) * (x[i] - d[i]);
    best_mse = std::min(best_mse, mse / double(n));
  }
  double chosen = 0;
  for (std::size_t i = 0; i < n; ++i) chosen += (x[i] - c.output[i]) * (x[i] - c.output[i]);
  chosen /= double(n);
  EXPECT_LT(10 * std::log10(chosen / best_mse), 0.2) << "chosen " << c.strength;  // within 0.2 dB of the oracle
  EXPECT_THROW(choose_strength_sure(y, sigma, denoise, SureOptions{2.0, 1.0, 4, 0.01, 1}), std::invalid_argument);
}
