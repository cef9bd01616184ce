// The Poisson sampler of the noise family (poisson_rng.hpp): mean and variance for means on both
// sides of the inversion/PTRS switch (λ = 10), the probability mass function against the exact
// one, and the same deviates for the same (seed, tag).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>

#include "poisson_rng.hpp"

using namespace mirflow::noise;

namespace {
constexpr int kSamples = 1000000;

struct Stats {
  double mean = 0, var = 0;
  std::map<std::int64_t, std::int64_t> counts;
};

Stats sample(double lambda, std::uint64_t seed) {
  NormalRng rng(seed, 77);
  Stats s;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < kSamples; ++i) {
    const std::int64_t k = poisson(rng, lambda);
    EXPECT_GE(k, 0);
    const double d = static_cast<double>(k) - lambda;  // centred on λ for accuracy at λ = 1e4
    sum += d, sum2 += d * d;
    ++s.counts[k];
  }
  const double m = sum / kSamples;
  s.mean = lambda + m;
  s.var = sum2 / kSamples - m * m;
  return s;
}
}  // namespace

class PoissonMoments : public ::testing::TestWithParam<double> {};

TEST_P(PoissonMoments, MeanAndVarianceAreLambda) {
  const double lambda = GetParam();
  const Stats s = sample(lambda, 1234);
  const double se_mean = std::sqrt(lambda / kSamples);
  const double se_var = lambda * std::sqrt((2.0 + 1.0 / lambda) / kSamples);  // Var(s²) = (µ4 − σ⁴)/n
  std::printf("[ measured ] Poisson λ=%g, n=%d: mean %.6g (%.2f SE), var %.6g (rel err %.2e, %.2f SE)\n", lambda,
              kSamples, s.mean, (s.mean - lambda) / se_mean, s.var, std::abs(s.var - lambda) / lambda,
              (s.var - lambda) / se_var);
  EXPECT_NEAR(s.mean, lambda, 5 * se_mean);
  EXPECT_NEAR(s.var, lambda, 5 * se_var);
}

INSTANTIATE_TEST_SUITE_P(Lambdas, PoissonMoments, ::testing::Values(0.5, 3.0, 9.99, 10.0, 30.0, 1e4, 1e6));

TEST(PoissonPmf, FrequenciesMatchTheExactPmf) {
  // Inversion (λ = 3) and PTRS (λ = 30): every k with expected count ≥ 100 within 5 binomial SE.
  for (double lambda : {3.0, 30.0}) {
    const Stats s = sample(lambda, 99);
    double worst = 0;
    int checked = 0;
    for (std::int64_t k = 0; k < 200; ++k) {
      const double pk = std::exp(-lambda + static_cast<double>(k) * std::log(lambda) - std::lgamma(double(k) + 1));
      const double expected = pk * kSamples;
      if (expected < 100) continue;
      auto it = s.counts.find(k);
      const double got = it == s.counts.end() ? 0.0 : static_cast<double>(it->second);
      const double z = (got - expected) / std::sqrt(expected * (1 - pk));
      worst = std::max(worst, std::abs(z));
      ++checked;
      EXPECT_LT(std::abs(z), 5.0) << "λ=" << lambda << " k=" << k;
    }
    std::printf("[ measured ] Poisson λ=%g pmf: %d values of k checked, worst |z| = %.2f\n", lambda, checked, worst);
  }
}

TEST(PoissonRng, SameSeedAndTagSameDeviates) {
  NormalRng a(5, 9), b(5, 9), c(6, 9);
  int differ = 0;
  for (int i = 0; i < 1000; ++i) {
    const double lambda = i % 2 ? 4.0 : 400.0;
    const auto x = poisson(a, lambda), y = poisson(b, lambda), z = poisson(c, lambda);
    EXPECT_EQ(x, y);
    differ += x != z;
  }
  EXPECT_GT(differ, 500);
  NormalRng r(1, 1);
  EXPECT_EQ(poisson(r, 0.0), 0);
}
