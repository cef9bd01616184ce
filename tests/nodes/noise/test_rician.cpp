// noise.rician against the closed forms of the Rice distribution.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <numbers>

#include <mirflow/error.hpp>

#include "noise_test_util.hpp"

using namespace mirflow;
using namespace mirflow::noise_test;

namespace {
constexpr std::int64_t kN = 1024;  // 1024×1024 = 1 048 576 samples per test
constexpr double kPi = std::numbers::pi;

// Mean of the Rice distribution: σ·sqrt(π/2)·L_{1/2}(−A²/2σ²), written with Bessel functions,
//   L_{1/2}(−x) = e^{−x/2}·[(1 + x)·I0(x/2) + x·I1(x/2)].
double rice_mean(double a, double sigma) {
  const double x = a * a / (2 * sigma * sigma);
  return sigma * std::sqrt(kPi / 2) * std::exp(-x / 2) *
         ((1 + x) * std::cyl_bessel_i(0.0, x / 2) + x * std::cyl_bessel_i(1.0, x / 2));
}
}  // namespace

TEST(Rician, BackgroundIsRayleigh) {
  const double sigma = 10;
  Image out = run_node("noise.rician", {{"sigma", sigma}, {"relative", false}, {"seed", std::int64_t{1}}},
                       constant(kN, kN, 0.f));
  const Moments m = moments(out);
  const double mean = sigma * std::sqrt(kPi / 2), var = (2 - kPi / 2) * sigma * sigma;
  std::printf("[ measured ] Rician A=0 σ=%g: mean %.5f (σ·sqrt(π/2) = %.5f, rel err %.2e), var %.5f ((2−π/2)σ² = %.5f, "
              "rel err %.2e)\n",
              sigma, m.mean, mean, rel_err(m.mean, mean), m.var, var, rel_err(m.var, var));
  EXPECT_LT(rel_err(m.mean, mean), 0.01);
  EXPECT_LT(rel_err(m.var, var), 0.01);
  // The background floor data.md speaks of: mean ≈ 1.2533σ.
  EXPECT_NEAR(m.mean / sigma, 1.2533, 0.0125);
}

TEST(Rician, HighSnrMean) {
  const double sigma = 4, a = 40;  // SNR 10
  Image out = run_node("noise.rician", {{"sigma", sigma}, {"relative", false}, {"seed", std::int64_t{2}}},
                       constant(kN, kN, static_cast<float>(a)));
  const Moments m = moments(out);
  const double exact = rice_mean(a, sigma), approx = std::sqrt(a * a + sigma * sigma), m2 = a * a + 2 * sigma * sigma;
  std::printf("[ measured ] Rician A=%g σ=%g: mean %.5f (exact %.5f rel err %.2e; sqrt(A²+σ²) = %.5f rel err %.2e), "
              "E[M²] %.4f (A²+2σ² = %.4f rel err %.2e)\n",
              a, sigma, m.mean, exact, rel_err(m.mean, exact), approx, rel_err(m.mean, approx), m.m2, m2,
              rel_err(m.m2, m2));
  // Statistical standard error of the mean: σ/sqrt(n) ≈ 0.004 (1e-4 relative).
  EXPECT_LT(rel_err(m.mean, exact), 1e-3);
  // sqrt(A²+σ²) is the high-SNR expansion A + σ²/2A + O(σ⁴/A³): ~1e-4 off the exact mean at SNR 10.
  EXPECT_LT(rel_err(exact, approx), 2e-4);
  EXPECT_LT(rel_err(m.mean, approx), 1e-3);
  // The second moment is exact at any SNR.
  EXPECT_LT(rel_err(m.m2, m2), 2e-3);
}

TEST(Rician, IntermediateSnrMatchesBesselMean) {
  const double sigma = 5, a = 7.5;  // SNR 1.5: neither Rayleigh nor Gaussian
  Image out = run_node("noise.rician", {{"sigma", sigma}, {"relative", false}, {"seed", std::int64_t{3}}},
                       constant(kN, kN, static_cast<float>(a)));
  const Moments m = moments(out);
  const double exact = rice_mean(a, sigma);
  std::printf("[ measured ] Rician A=%g σ=%g: mean %.5f (exact %.5f, rel err %.2e)\n", a, sigma, m.mean, exact,
              rel_err(m.mean, exact));
  EXPECT_LT(rel_err(m.mean, exact), 0.01);
  EXPECT_LT(rel_err(m.m2, a * a + 2 * sigma * sigma), 0.01);
}

TEST(Rician, PhaseDoesNotChangeTheStatistics) {
  const double sigma = 5, a = 7.5;
  Image out = run_node("noise.rician",
                       {{"sigma", sigma}, {"relative", false}, {"phase", 1.1}, {"seed", std::int64_t{3}}},
                       constant(kN, kN, static_cast<float>(a)));
  EXPECT_LT(rel_err(moments(out).mean, rice_mean(a, sigma)), 0.01);
}

TEST(Rician, RelativeSigmaUsesTheMaximumAndIsRecorded) {
  // Left half 200 (the maximum), right half 0: 5 % of 200 is σ = 10.
  Image im = constant(kN, kN, 0.f);
  for (std::int64_t y = 0; y < kN; ++y)
    for (std::int64_t x = 0; x < kN / 2; ++x) im.at<float>(x, y) = 200.f;
  im.metadata()["modality"] = "MR";
  im.geometry().spacing = {0.5, 0.7, 2.0};
  Image out = run_node("noise.rician", {{"sigma", 0.05}, {"seed", std::int64_t{4}}}, im);
  EXPECT_EQ(out.dtype(), DType::F32);
  EXPECT_EQ(out.shape(), im.shape());
  EXPECT_EQ(out.geometry(), im.geometry());
  EXPECT_EQ(out.metadata().at("modality"), "MR");
  EXPECT_EQ(out.metadata().at("noise.model"), "rician");
  EXPECT_EQ(out.metadata().at("noise.sigma"), "10");
  EXPECT_EQ(out.metadata().at("noise.sigma_relative"), "0.05");
  EXPECT_EQ(out.metadata().at("noise.reference_max"), "200");
  EXPECT_EQ(out.metadata().at("noise.coils"), "1");
  const Moments bg = moments(out, [](std::int64_t x, std::int64_t) { return x >= kN / 2; });
  EXPECT_LT(rel_err(bg.mean, 10 * std::sqrt(kPi / 2)), 0.01);

  // An explicit reference maximum wins over the image's own.
  Image out2 = run_node("noise.rician", {{"sigma", 0.05}, {"reference_max", 400.0}, {"seed", std::int64_t{4}}}, im);
  EXPECT_EQ(out2.metadata().at("noise.sigma"), "20");
  EXPECT_EQ(out2.metadata().at("noise.reference_max"), "400");
}

TEST(Rician, ReadsAnyDtypeAndStridedSlices) {
  // A uint8 volume; slice 1 is a strided view. Same key, same seed: same bytes as the float copy.
  Image vol = Image::allocate3d(DType::U8, 16, 8, 3);
  for (std::int64_t i = 0; i < vol.size(); ++i) vol.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i % 251);
  const Image s = vol.slice(1);
  const Image f = s.astype(DType::F32);
  const std::map<std::string, ParamValue> p{{"sigma", 3.0}, {"relative", false}, {"seed", std::int64_t{5}}};
  KeyPtr key = Key::root("k");
  Image a = run_node("noise.rician", p, s, key), b = run_node("noise.rician", p, f, key);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(0, std::memcmp(a.raw(), b.raw(), a.bytes()));
}

TEST(Rician, ReferenceMaxWithAbsoluteSigmaIsRefused) {
  EXPECT_THROW(run_node("noise.rician", {{"relative", false}, {"reference_max", 100.0}}, constant(4, 4, 1.f)),
               InputError);
}
