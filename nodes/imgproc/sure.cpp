#include "mirflow_imgproc/sure.hpp"

#include <charconv>
#include <cmath>
#include <random>
#include <stdexcept>

namespace mirflow::imgproc {

std::optional<double> parse_strength(const std::string& t) {
  if (t == "sure") return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size() || !(v > 0) || !std::isfinite(v))
    throw std::invalid_argument("'strength' = \"" + t + "\" is neither \"sure\" nor a number > 0");
  return v;
}

std::vector<double> sure_probe(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> b(n);
  for (std::size_t i = 0; i < n; i += 64) {
    std::uint64_t bits = rng();
    for (std::size_t j = i; j < std::min(n, i + 64); ++j, bits >>= 1) b[j] = (bits & 1) ? 1.0 : -1.0;
  }
  return b;
}

double mc_sure(const std::vector<double>& y, const std::vector<double>& dy, const std::vector<double>& dy_probe,
               const std::vector<double>& b, double eps, double sigma) {
  const std::size_t n = y.size();
  if (dy.size() != n || dy_probe.size() != n || b.size() != n)
    throw std::invalid_argument("mc_sure: the denoiser's output has another size than its input");
  double fit = 0, div = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = y[i] - dy[i];
    fit += r * r;
    div += b[i] * (dy_probe[i] - dy[i]);
  }
  div /= eps;
  return fit / double(n) - sigma * sigma + 2.0 * sigma * sigma * div / double(n);
}

double golden_search_log(double lo, double hi, int evaluations, const std::function<double(double)>& risk) {
  if (!(lo > 0) || !(hi >= lo)) throw std::invalid_argument("strength search: the bracket must satisfy 0 < lo <= hi");
  if (evaluations < 1) throw std::invalid_argument("strength search: at least one evaluation is needed");
  double best = 0, best_risk = INFINITY;
  auto f = [&](double log_s) {
    const double s = std::exp(log_s), r = risk(s);
    if (r < best_risk) best_risk = r, best = s;
    return r;
  };
  double a = std::log(lo), c = std::log(hi);
  if (evaluations == 1 || a == c) {
    f(0.5 * (a + c));
    return best;
  }
  constexpr double kInv = 0.6180339887498949;  // 1/φ
  double x1 = c - kInv * (c - a), x2 = a + kInv * (c - a);
  double f1 = f(x1), f2 = f(x2);
  for (int k = 2; k < evaluations; ++k) {
    if (f1 <= f2) {
      c = x2, x2 = x1, f2 = f1;
      x1 = c - kInv * (c - a);
      f1 = f(x1);
    } else {
      a = x1, x1 = x2, f1 = f2;
      x2 = a + kInv * (c - a);
      f2 = f(x2);
    }
  }
  return best;
}

SureChoice choose_strength_sure(const std::vector<double>& y, double sigma, const StrengthDenoiser& denoise,
                                const SureOptions& o) {
  const std::size_t first = o.scored_offset, n = o.scored_size > 0 ? o.scored_size : y.size() - first;
  if (first + n > y.size()) throw std::invalid_argument("SURE: the scored window lies outside the samples");
  const auto window = [&](const std::vector<double>& v) {
    if (v.size() != y.size()) throw std::invalid_argument("SURE: the denoiser's output has another size than its input");
    return std::vector<double>(v.begin() + std::ptrdiff_t(first), v.begin() + std::ptrdiff_t(first + n));
  };
  const double eps = o.epsilon * sigma;
  const std::vector<double> b = sure_probe(n, o.seed);
  std::vector<double> y_probe = y;
  for (std::size_t i = 0; i < n; ++i) y_probe[first + i] += eps * b[i];
  const std::vector<double> yw = window(y);
  SureChoice best;
  best.risk = INFINITY;
  golden_search_log(o.lo, o.hi, o.evaluations, [&](double s) {
    std::vector<double> dy = window(denoise(y, s));
    const double risk = mc_sure(yw, dy, window(denoise(y_probe, s)), b, eps, sigma);
    best.curve.push_back({s, risk});
    if (risk < best.risk) {
      best.risk = risk;
      best.strength = s;
      best.output = std::move(dy);
    }
    return risk;
  });
  return best;
}

}  // namespace mirflow::imgproc
