#include "complex_magnitude.hpp"

#include <cmath>

#include "pixels.hpp"

namespace mirflow::noise {

void add_complex_noise_magnitude(const Image& in, Image& out, double sigma, int coils, double phase, NormalRng& rng) {
  float* o = out.data<float>();
  // With φ = 0 (the default) cos = 1 and sin = 0 exactly, so one coil gives |A + σg₁ + iσg₂|.
  const double c = std::cos(phase), s = std::sin(phase);
  const double share = coils == 1 ? 1.0 : 1.0 / std::sqrt(static_cast<double>(coils));
  visit_pixels(in, [&](std::int64_t i, double a) {
    const double re0 = a * share * c, im0 = a * share * s;
    double sum = 0;
    for (int k = 0; k < coils; ++k) {
      const auto [gr, gi] = rng.pair();
      const double re = re0 + sigma * gr, im = im0 + sigma * gi;
      sum += re * re + im * im;
    }
    o[i] = static_cast<float>(std::sqrt(sum));
  });
}

}  // namespace mirflow::noise
