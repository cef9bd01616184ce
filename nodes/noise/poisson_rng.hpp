#pragma once
// Poisson deviates from the noise family's own uniform stream (normal_rng.hpp), exact for every
// mean: inversion by sequential search for λ < 10 and Hörmann's PTRS (transformed rejection with
// squeeze, W. Hörmann, "The transformed rejection method for generating Poisson random
// variables", Insurance: Mathematics and Economics 12, 1993) for λ ≥ 10. Both are exact
// algorithms (no normal approximation): the only deviation from Poisson(λ) is double rounding.
//
// Why not std::poisson_distribution: as for std::normal_distribution (normal_rng.hpp), the
// standard fixes the engine's bits but not the distribution's algorithm; libstdc++, libc++ and
// MSVC turn the same engine output into different counts, so "same seed, same bytes" would hold
// for one standard library only. Here the counts depend only on mt19937_64 and IEEE double
// arithmetic (plus libm's exp/log/lgamma last-bit rounding).
#include <cstdint>

#include "normal_rng.hpp"

namespace mirflow::noise {

// Uniform on [0, 1): k·2⁻⁵³ from the top 53 bits of one engine draw (exact in double).
inline double uniform01(NormalRng& rng) { return 0.5 * (rng.uniform_pm1() + 1.0); }

// One Poisson(λ) deviate, λ ≥ 0 and finite (λ = 0 gives 0).
std::int64_t poisson(NormalRng& rng, double lambda);

}  // namespace mirflow::noise
