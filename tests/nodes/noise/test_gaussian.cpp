// noise.gaussian: mean and variance of the added noise, scalar and per-pixel sigma.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include <mirflow/error.hpp>

#include "noise_test_util.hpp"

using namespace mirflow;
using namespace mirflow::noise_test;

namespace {
constexpr std::int64_t kN = 1024;
}

TEST(NoiseGaussian, ScalarSigmaMeanAndVariance) {
  const double sigma = 5, level = 50;
  Image out = run_node("noise.gaussian", {{"sigma", sigma}, {"relative", false}, {"seed", std::int64_t{21}}},
                       constant(kN, kN, static_cast<float>(level)));
  const Moments m = moments(out, level);
  std::printf("[ measured ] gaussian σ=%g: noise mean %.5f (0; SE %.4f), var %.4f (σ² = %.4f, rel err %.2e)\n", sigma,
              m.mean, sigma / kN, m.var, sigma * sigma, rel_err(m.var, sigma * sigma));
  EXPECT_NEAR(m.mean, 0.0, 5 * sigma / kN);  // 5 standard errors
  EXPECT_LT(rel_err(m.var, sigma * sigma), 0.01);
  EXPECT_EQ(out.metadata().at("noise.model"), "gaussian");
  EXPECT_EQ(out.metadata().at("noise.sigma"), "5");
  EXPECT_EQ(out.metadata().count("noise.sigma_relative"), 0u);
}

TEST(NoiseGaussian, RelativeSigmaIsAFractionOfTheMaximum) {
  Image im = constant(kN, kN, 100.f);
  im.at<float>(3, 3) = 400.f;  // the maximum
  Image out = run_node("noise.gaussian", {{"sigma", 0.02}, {"seed", std::int64_t{22}}}, im);
  EXPECT_EQ(out.metadata().at("noise.sigma"), "8");
  const Moments m = moments(out, [](std::int64_t x, std::int64_t y) { return !(x == 3 && y == 3); }, 100.0);
  EXPECT_LT(rel_err(m.var, 64.0), 0.01);
}

TEST(NoiseGaussian, SigmaMapTwoRegions) {
  // σ(x) = sigma · m(x): m = 1 on the left half, 3 on the right; sigma = 2 → σ 2 and 6.
  Image map = constant(kN, kN, 1.f);
  for (std::int64_t y = 0; y < kN; ++y)
    for (std::int64_t x = kN / 2; x < kN; ++x) map.at<float>(x, y) = 3.f;
  Image out = run_node("noise.gaussian", {{"sigma", 2.0}, {"relative", false}, {"seed", std::int64_t{23}}},
                       constant(kN, kN, 10.f), Key::root("item"), &map);
  const Moments left = moments(out, [](std::int64_t x, std::int64_t) { return x < kN / 2; }, 10.0);
  const Moments right = moments(out, [](std::int64_t x, std::int64_t) { return x >= kN / 2; }, 10.0);
  std::printf("[ measured ] gaussian σ-map: left var %.4f (4, rel err %.2e), right var %.4f (36, rel err %.2e); means "
              "%.5f %.5f\n",
              left.var, rel_err(left.var, 4), right.var, rel_err(right.var, 36), left.mean, right.mean);
  EXPECT_LT(rel_err(left.var, 4.0), 0.01);
  EXPECT_LT(rel_err(right.var, 36.0), 0.01);
  EXPECT_NEAR(left.mean, 0.0, 5 * 2.0 / std::sqrt(left.n));
  EXPECT_NEAR(right.mean, 0.0, 5 * 6.0 / std::sqrt(right.n));
  // noise.sigma is the RMS of σ(x): sqrt((4 + 36) / 2).
  EXPECT_NEAR(std::stod(out.metadata().at("noise.sigma")), std::sqrt(20.0), 1e-12);
  EXPECT_EQ(out.metadata().at("noise.sigma_map"), "true");
  EXPECT_EQ(out.metadata().at("noise.sigma_scalar"), "2");
}

TEST(NoiseGaussian, SigmaMapZeroLeavesPixelsAlone) {
  Image map = constant(8, 8, 0.f);
  map.at<float>(0, 0) = 1.f;
  Image in = constant(8, 8, 7.f);
  Image out = run_node("noise.gaussian", {{"sigma", 1.0}, {"relative", false}}, in, Key::root("item"), &map);
  EXPECT_NE(out.at<float>(0, 0), 7.f);
  for (std::int64_t i = 1; i < 64; ++i) EXPECT_EQ(out.data<float>()[i], 7.f);
}

TEST(NoiseGaussian, BadSigmaMapsAreInputErrors) {
  Image in = constant(8, 8, 7.f);
  Image small = constant(8, 4, 1.f);
  EXPECT_THROW(run_node("noise.gaussian", {}, in, Key::root("item"), &small), InputError);
  Image neg = constant(8, 8, 1.f);
  neg.at<float>(5, 2) = -1.f;
  EXPECT_THROW(run_node("noise.gaussian", {}, in, Key::root("item"), &neg), InputError);
  Image nan = constant(8, 8, 1.f);
  nan.at<float>(1, 1) = std::nanf("");
  EXPECT_THROW(run_node("noise.gaussian", {}, in, Key::root("item"), &nan), InputError);
}
