#include <cmath>
#include <limits>

#include <mirflow/error.hpp>

#include "metrics.hpp"

namespace mirflow::metrics {

double psnr(const Image& image, const Image& reference, double data_range) {
  if (!(data_range > 0)) throw InputError("psnr: data_range must be > 0, got " + std::to_string(data_range));
  const double e = rmse(image, reference);
  if (e == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(data_range * data_range / (e * e));
}

}  // namespace mirflow::metrics
