#include <cmath>

#include <mirflow/error.hpp>

#include "metrics.hpp"

namespace mirflow::metrics {

std::vector<std::uint8_t> foreground(const Image& mask, std::int64_t label) {
  const Grid g = to_grid(mask, "mask");
  std::vector<std::uint8_t> f(g.v.size());
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = label == 0 ? g.v[i] != 0 : g.v[i] == double(label);
  return f;
}

double dice(const Image& a, const Image& b, std::int64_t label) {
  check_same_shape(a, "mask", b, "reference");
  const std::vector<std::uint8_t> fa = foreground(a, label), fb = foreground(b, label);
  std::int64_t na = 0, nb = 0, both = 0;
  for (std::size_t i = 0; i < fa.size(); ++i) na += fa[i], nb += fb[i], both += fa[i] & fb[i];
  if (na + nb == 0) return 1.0;  // two empty masks agree perfectly
  return 2.0 * double(both) / double(na + nb);
}

}  // namespace mirflow::metrics
