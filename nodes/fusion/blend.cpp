#include "blend.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "mirflow_semantic/plane.hpp"

namespace mirflow::fusion {

using semantic::Plane;

namespace {

// A float32 image with `like`'s shape, geometry and metadata.
Image float32_like(const Image& like) {
  Image out = Image::allocate(DType::F32, like.shape(), like.ndim());
  out.geometry() = like.geometry();
  out.metadata() = like.metadata();
  return out;
}

double checked_map_value(const Image& map, std::int64_t x, std::int64_t y, std::int64_t z) {
  const double m = map.value(x, y, z);
  if (!(m >= 0 && m <= 1))
    throw std::invalid_argument("map value " + std::to_string(m) + " at (" + std::to_string(x) + ", " + std::to_string(y) +
                                ", " + std::to_string(z) + ") is outside [0, 1]");
  return m;
}

}  // namespace

void check_inputs(const Image& detail, const Image& smooth, const Image& map) {
  for (const Image* i : {&detail, &smooth, &map})
    if (i->device() != Device::CPU) throw std::invalid_argument("fusion needs CPU images, got " + i->describe());
  if (detail.shape() != smooth.shape() || detail.shape() != map.shape())
    throw std::invalid_argument("detail (" + detail.describe() + "), smooth (" + smooth.describe() + ") and map (" +
                                map.describe() + ") must have the same shape");
  for (std::int64_t z = 0; z < map.nz(); ++z)
    for (std::int64_t y = 0; y < map.ny(); ++y)
      for (std::int64_t x = 0; x < map.nx(); ++x) checked_map_value(map, x, y, z);
}

Image blend(const Image& detail, const Image& smooth, const Image& weight) {
  Image out = float32_like(detail);
  for (std::int64_t z = 0; z < detail.nz(); ++z)
    for (std::int64_t y = 0; y < detail.ny(); ++y)
      for (std::int64_t x = 0; x < detail.nx(); ++x) {
        const double m = weight.value(x, y, z);
        out.at<float>(x, y, z) = static_cast<float>(m * detail.value(x, y, z) + (1 - m) * smooth.value(x, y, z));
      }
  return out;
}

Image attention_weight(const Image& detail, const Image& smooth, const Image& map, const Attention& a) {
  const auto g = semantic::gaussian_kernel_1d(a.sigma, 0);
  std::vector<Plane> energy;
  std::vector<float> roots;
  for (std::int64_t z = 0; z < detail.nz(); ++z) {
    Plane d2(detail.nx(), detail.ny());
    for (std::int64_t y = 0; y < detail.ny(); ++y)
      for (std::int64_t x = 0; x < detail.nx(); ++x) {
        const double d = detail.value(x, y, z) - smooth.value(x, y, z);
        d2(x, y) = static_cast<float>(d * d);
      }
    energy.push_back(semantic::separable(d2, g, g));
    for (float e : energy.back().v) roots.push_back(std::sqrt(std::max(0.0f, e)));
  }
  double kappa = a.kappa;
  if (kappa < 0) {
    std::nth_element(roots.begin(), roots.begin() + static_cast<std::ptrdiff_t>(roots.size() / 2), roots.end());
    kappa = roots.empty() ? 0 : roots[roots.size() / 2];
  }
  Image w = float32_like(map);
  for (std::int64_t z = 0; z < map.nz(); ++z)
    for (std::int64_t y = 0; y < map.ny(); ++y)
      for (std::int64_t x = 0; x < map.nx(); ++x) {
        const double e = std::max(0.0f, energy[static_cast<std::size_t>(z)](x, y));
        const double att = e + kappa * kappa > 0 ? e / (e + kappa * kappa) : 0.0;  // both 0: inputs agree
        w.at<float>(x, y, z) = static_cast<float>(map.value(x, y, z) * ((1 - a.strength) + a.strength * att));
      }
  return w;
}

Image beta_from_map(const Image& map, double b_min, double scale) {
  Image b = float32_like(map);
  for (std::int64_t z = 0; z < map.nz(); ++z)
    for (std::int64_t y = 0; y < map.ny(); ++y)
      for (std::int64_t x = 0; x < map.nx(); ++x) {
        const double m = checked_map_value(map, x, y, z);
        b.at<float>(x, y, z) = static_cast<float>(scale * (b_min + (1 - m) * (1 - b_min)));
      }
  return b;
}

}  // namespace mirflow::fusion
