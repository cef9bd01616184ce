#include <cmath>

#include <mirflow/error.hpp>

#include "metrics.hpp"

namespace mirflow::metrics {

std::map<std::int64_t, RegionBias> region_bias(const Image& image, const Image& reference, const Image& labels) {
  check_same_shape(image, "image", reference, "reference");
  check_same_shape(labels, "mask", reference, "reference");
  const Grid a = to_grid(image, "image"), b = to_grid(reference, "reference"), l = to_grid(labels, "mask");
  std::map<std::int64_t, RegionBias> out;
  for (std::size_t i = 0; i < a.v.size(); ++i) {
    if (l.v[i] == 0) continue;
    if (l.v[i] != std::round(l.v[i]))
      throw InputError("mask: region labels must be integers, found " + std::to_string(l.v[i]));
    RegionBias& r = out[static_cast<std::int64_t>(l.v[i])];
    r.mean_difference += a.v[i] - b.v[i];  // a sum until the division below
    ++r.voxels;
  }
  for (auto& [label, r] : out) r.mean_difference /= double(r.voxels);
  return out;
}

}  // namespace mirflow::metrics
