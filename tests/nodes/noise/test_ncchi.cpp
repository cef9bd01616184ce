// noise.ncchi against the closed forms of the (noncentral) chi distribution with 2N degrees of freedom.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "noise_test_util.hpp"

using namespace mirflow;
using namespace mirflow::noise_test;

namespace {
constexpr std::int64_t kN = 1024;

// Mean of the central chi distribution with 2N degrees of freedom, scale σ: σ·sqrt(2)·Γ(N+½)/Γ(N).
double chi_mean(int coils, double sigma) {
  return sigma * std::sqrt(2.0) * std::exp(std::lgamma(coils + 0.5) - std::lgamma(static_cast<double>(coils)));
}
}  // namespace

class NcChiBackground : public ::testing::TestWithParam<int> {};

TEST_P(NcChiBackground, MeanAndSecondMomentMatchChi) {
  const int coils = GetParam();
  const double sigma = 10;
  Image out = run_node("noise.ncchi",
                       {{"sigma", sigma}, {"relative", false}, {"coils", std::int64_t{coils}}, {"seed", std::int64_t{11}}},
                       constant(kN, kN, 0.f));
  const Moments m = moments(out);
  const double mean = chi_mean(coils, sigma), m2 = 2.0 * coils * sigma * sigma, var = m2 - mean * mean;
  std::printf("[ measured ] ncchi N=%d A=0 σ=%g: mean %.5f (σ√2·Γ(N+½)/Γ(N) = %.5f, rel err %.2e), var %.5f (2Nσ² − "
              "mean² = %.5f, rel err %.2e)\n",
              coils, sigma, m.mean, mean, rel_err(m.mean, mean), m.var, var, rel_err(m.var, var));
  EXPECT_LT(rel_err(m.mean, mean), 0.01);
  EXPECT_LT(rel_err(m.m2, m2), 0.01);
  EXPECT_LT(rel_err(m.var, var), 0.02);
  EXPECT_EQ(out.metadata().at("noise.coils"), std::to_string(coils));
  EXPECT_EQ(out.metadata().at("noise.model"), "ncchi");
}

INSTANTIATE_TEST_SUITE_P(Coils, NcChiBackground, ::testing::Values(1, 2, 4, 8, 32));

TEST(NcChi, SignalIsSplitSoTheTotalNoncentralityIsTheImage) {
  // E[M²] = A² + 2Nσ² exactly whatever the SNR: the coil shares A/√N add back up to A.
  const double sigma = 5, a = 30;
  for (int coils : {2, 8}) {
    Image out = run_node("noise.ncchi",
                         {{"sigma", sigma}, {"relative", false}, {"coils", std::int64_t{coils}}, {"seed", std::int64_t{12}}},
                         constant(kN, kN, static_cast<float>(a)));
    const Moments m = moments(out);
    const double m2 = a * a + 2.0 * coils * sigma * sigma;
    std::printf("[ measured ] ncchi N=%d A=%g σ=%g: E[M²] %.3f (A² + 2Nσ² = %.3f, rel err %.2e), mean %.4f "
                "(high-SNR sqrt(A² + (2N−1)σ²) = %.4f)\n",
                coils, a, sigma, m.m2, m2, rel_err(m.m2, m2), m.mean, std::sqrt(a * a + (2.0 * coils - 1) * sigma * sigma));
    EXPECT_LT(rel_err(m.m2, m2), 2e-3);
  }
}

TEST(NcChi, OneCoilIsRicianByteForByte) {
  Image im = constant(64, 48, 0.f);
  for (std::int64_t i = 0; i < im.size(); ++i) im.data<float>()[i] = static_cast<float>(i % 97);
  const std::map<std::string, ParamValue> p{{"sigma", 0.07}, {"seed", std::int64_t{99}}, {"phase", 0.3}};
  auto pc = p;
  pc["coils"] = std::int64_t{1};
  KeyPtr key = Key::root("slice");
  Image r = run_node("noise.rician", p, im, key), c = run_node("noise.ncchi", pc, im, key);
  EXPECT_EQ(0, std::memcmp(r.raw(), c.raw(), r.bytes()));
  EXPECT_EQ(r.metadata().at("noise.sigma"), c.metadata().at("noise.sigma"));
}
