#include <cmath>

#include <mirflow/error.hpp>

#include "metrics.hpp"

namespace mirflow::metrics {

double rmse(const Image& image, const Image& reference, const Image* mask) {
  check_same_shape(image, "image", reference, "reference");
  if (mask) check_same_shape(*mask, "mask", reference, "reference");
  const Grid a = to_grid(image, "image"), b = to_grid(reference, "reference");
  const Grid m = mask ? to_grid(*mask, "mask") : Grid();
  double sum = 0;
  std::int64_t n = 0;
  for (std::size_t i = 0; i < a.v.size(); ++i) {
    if (mask && m.v[i] == 0) continue;
    const double d = a.v[i] - b.v[i];
    sum += d * d;
    ++n;
  }
  if (n == 0) throw InputError("rmse: the mask selects no pixel");
  return std::sqrt(sum / static_cast<double>(n));
}

}  // namespace mirflow::metrics
