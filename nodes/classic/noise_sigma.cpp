#include "noise_sigma.hpp"

#include <algorithm>
#include <cmath>

#include "wavelet_transform.hpp"

namespace mirflow::classic {

double mad_sigma(const std::vector<double>& coeffs) {
  std::vector<double> a;
  a.reserve(coeffs.size());
  for (double c : coeffs)
    if (c != 0.0) a.push_back(std::abs(c));
  if (a.empty()) return 0.0;
  const std::size_t h = a.size() / 2;
  std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(h), a.end());
  double median = a[h];
  if (a.size() % 2 == 0) median = 0.5 * (median + *std::max_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(h)));
  constexpr double kNormalQuartile = 0.6744897501960817;  // Φ⁻¹(0.75): median |g| of g ~ N(0, 1)
  return median / kNormalQuartile;
}

double estimate_noise_sigma(const Plane& slice) {
  return mad_sigma(dwt2(slice, wavelet_by_name("db2")).details[0].dd.v);
}

ParamSpec sigma_param() {
  return ParamSpec::Float("sigma", 0.0,
                          "noise standard deviation (unset: estimated per slice from the finest diagonal db2 "
                          "wavelet band, median absolute deviation)")
      .range(0, 1e30)
      .in_unit("image units")
      .optional();
}

std::optional<double> sigma_from(const NodeConfig& c) {
  if (!c.params.has("sigma")) return std::nullopt;
  return c.params.get_float("sigma");
}

double noise_sigma(const std::optional<double>& given, const Plane& slice) {
  return given ? *given : estimate_noise_sigma(slice);
}

}  // namespace mirflow::classic
