#include <algorithm>
#include <limits>

#include <mirflow/error.hpp>

#include "metrics.hpp"

namespace mirflow::metrics {

namespace {
template <class T> double integer_range(bool has_negative) {
  const double lo = static_cast<double>(std::numeric_limits<T>::min());
  const double hi = static_cast<double>(std::numeric_limits<T>::max());
  return has_negative ? hi - lo : hi;  // scikit-image's peak_signal_noise_ratio rule
}
}  // namespace

double default_data_range(const Image& reference) {
  const Grid g = to_grid(reference, "reference");
  const auto [lo, hi] = std::minmax_element(g.v.begin(), g.v.end());
  const bool negative = *lo < 0;
  switch (reference.dtype()) {
    case DType::U8: return integer_range<std::uint8_t>(negative);
    case DType::I16: return integer_range<std::int16_t>(negative);
    case DType::U16: return integer_range<std::uint16_t>(negative);
    case DType::I32: return integer_range<std::int32_t>(negative);
    case DType::F32:
    case DType::F64: break;
  }
  const double r = *hi - *lo;
  if (!(r > 0))
    throw InputError("the reference (" + reference.describe() +
                     ") is constant, so it gives no data range: set data_range explicitly");
  return r;
}

}  // namespace mirflow::metrics
