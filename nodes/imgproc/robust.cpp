#include "mirflow_imgproc/robust.hpp"

#include <algorithm>
#include <cmath>

namespace mirflow::imgproc {

double median_inplace(std::vector<double>& v) {
  if (v.empty()) return 0.0;
  const std::size_t h = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(h), v.end());
  const double upper = v[h];
  if (v.size() % 2 == 1) return upper;
  return 0.5 * (upper + *std::max_element(v.begin(), v.begin() + std::ptrdiff_t(h)));
}

double mad_sigma(const std::vector<double>& coeffs) {
  std::vector<double> a;
  a.reserve(coeffs.size());
  for (double c : coeffs)
    if (c != 0.0) a.push_back(std::abs(c));
  return median_inplace(a) / kNormalQuartile;
}

}  // namespace mirflow::imgproc
