#include "ring_gains.hpp"

#include <algorithm>

#include "normal_rng.hpp"

namespace mirflow::noise {

std::vector<double> ring_gains(std::uint64_t seed, std::int64_t bins, double gain_sigma) {
  NormalRng rng(seed, kRingTag);
  std::vector<double> g(static_cast<std::size_t>(bins));
  for (auto& v : g) v = std::max(kMinGain, 1.0 + gain_sigma * rng.next());
  return g;
}

}  // namespace mirflow::noise
