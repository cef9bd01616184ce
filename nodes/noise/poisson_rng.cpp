#include "poisson_rng.hpp"

#include <cmath>

namespace mirflow::noise {

namespace {

// Inversion by sequential search: the smallest k with F(k) ≥ u, F the Poisson CDF built term by
// term (p_k = p_{k−1}·λ/k). For λ < 10, e^{−λ} > 4.5e-5 so nothing underflows; the loop stops
// at k = 1000 in the (rounding-only) case that F never reaches u (F(1000) is 1 to 1e-300).
std::int64_t poisson_inversion(NormalRng& rng, double lambda) {
  const double u = uniform01(rng);
  double p = std::exp(-lambda);
  double f = p;
  std::int64_t k = 0;
  while (u > f && k < 1000) {
    ++k;
    p *= lambda / static_cast<double>(k);
    f += p;
  }
  return k;
}

// PTRS (Hörmann 1993, algorithm PTRS; the constants of the paper, as NumPy's legacy generator).
std::int64_t poisson_ptrs(NormalRng& rng, double lambda) {
  const double slam = std::sqrt(lambda);
  const double loglam = std::log(lambda);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = uniform01(rng) - 0.5;
    const double v = uniform01(rng);
    const double us = 0.5 - std::fabs(u);
    if (us <= 0.0) continue;  // u = −0.5 exactly: the hat is infinite there
    const double kd = std::floor((2.0 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::int64_t>(kd);
    if (kd < 0.0 || (us < 0.013 && v > us)) continue;
    // The acceptance test on the log scale: log(v·α/(a/us² + b)) ≤ −λ + k·log λ − log k!.
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <= -lambda + kd * loglam - std::lgamma(kd + 1.0))
      return static_cast<std::int64_t>(kd);
  }
}

}  // namespace

std::int64_t poisson(NormalRng& rng, double lambda) {
  if (!(lambda > 0.0)) return 0;
  return lambda < 10.0 ? poisson_inversion(rng, lambda) : poisson_ptrs(rng, lambda);
}

}  // namespace mirflow::noise
