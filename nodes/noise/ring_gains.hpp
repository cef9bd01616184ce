#pragma once
// The detector gains of noise.ct_rings, apart from the node so that tests can compute them.
#include <cstdint>
#include <vector>

namespace mirflow::noise {

// The stream tag of the detector gains: fixed (not an item's key), so every item — every slice
// of a scan — sees the same detector. "rings" in ASCII.
inline constexpr std::uint64_t kRingTag = 0x72696e6773ull;
inline constexpr double kMinGain = 1e-3;

// gain_k = max(0.001, 1 + gain_sigma·g_k), k = 0 .. bins−1, g_k the N(0, 1) deviates of the
// stream (seed, kRingTag) in order.
std::vector<double> ring_gains(std::uint64_t seed, std::int64_t bins, double gain_sigma);

}  // namespace mirflow::noise
