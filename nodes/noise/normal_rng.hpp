#pragma once
// The random stream of one work item: standard normal deviates that are the same bytes on every
// run, whatever the thread schedule, because each item draws from its own generator seeded by
// (the node's `seed`, the item's key tag) and nothing else.
#include <cstdint>
#include <random>
#include <utility>

namespace mirflow::noise {

// SplitMix64's output function applied to z + the golden-ratio increment (Steele, Lea & Flood
// 2014): a bijective 64-bit mix, so nearby inputs (seeds 1, 2, 3; sibling key tags) give
// unrelated outputs.
std::uint64_t splitmix64(std::uint64_t z);

// The 64-bit seed of one work item's stream: splitmix64(splitmix64(seed) ^ tag).
std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t tag);

// Standard normal deviates N(0, 1) from std::mt19937_64.
//
// Why not std::normal_distribution (or std::uniform_real_distribution): the standard fixes the
// engines' output (mt19937_64 is specified bit for bit) but not the distributions' algorithms.
// libstdc++, libc++ and MSVC each turn the same engine output into different normal deviates
// (and libstdc++'s generate_canonical changed between releases), so "same seed, same bytes"
// would hold only for one standard library. The uniforms and the Marsaglia polar method below
// are written out here, so the deviates depend only on the engine and on IEEE double arithmetic
// (sqrt is exact by IEEE 754; log comes from libm, whose last-bit rounding may differ between
// C libraries, and that is the only platform dependence left). Polar rather than Box–Muller:
// it needs no sin/cos, one libm function fewer.
class NormalRng {
 public:
  NormalRng(std::uint64_t seed, std::uint64_t tag) : engine_(stream_seed(seed, tag)) {}

  // Two independent N(0, 1) deviates (one accepted polar pair).
  std::pair<double, double> pair();
  // One N(0, 1) deviate: the first and then the second half of each pair.
  double next() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    auto [a, b] = pair();
    spare_ = b;
    has_spare_ = true;
    return a;
  }
  // Uniform on [-1, 1): the top 53 bits of one engine draw, k·2⁻⁵² − 1 (exact in double).
  double uniform_pm1() { return static_cast<double>(engine_() >> 11) * 0x1.0p-52 - 1.0; }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace mirflow::noise
