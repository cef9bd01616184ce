#include "normal_rng.hpp"

#include <cmath>

namespace mirflow::noise {

std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t tag) { return splitmix64(splitmix64(seed) ^ tag); }

// Marsaglia's polar method: a point (u, v) uniform in the unit disc (rejection from the square,
// acceptance π/4) gives two independent normals u·f and v·f with f = sqrt(−2 ln s / s), s = u² + v².
std::pair<double, double> NormalRng::pair() {
  for (;;) {
    const double u = uniform_pm1();
    const double v = uniform_pm1();
    const double s = u * u + v * v;
    if (s >= 1.0 || s == 0.0) continue;
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    return {u * f, v * f};
  }
}

}  // namespace mirflow::noise
