#include "mirflow_ir/prox.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace mirflow::ir {
namespace {

void check_pair(const char* who, const Image& v, const Image& out) {
  if (v.dtype() != DType::F32 || !v.contiguous() || out.dtype() != DType::F32 || !out.contiguous())
    throw std::invalid_argument(std::string(who) + ": expects contiguous float32 images");
  if (v.size() != out.size()) throw std::invalid_argument(std::string(who) + ": input and output sizes differ");
}

void check_weights(const char* who, const Image& w, std::int64_t n) {
  if (!w.empty() && w.size() != n)
    throw std::invalid_argument(std::string(who) + ": weight map has " + std::to_string(w.size()) + " pixels, expected " +
                                std::to_string(n));
}

// A field's pixels per component (nx·ny of an nx × 2·ny image).
std::int64_t field_pixels(const char* who, const Image& g) {
  if (g.size() % 2 != 0) throw std::invalid_argument(std::string(who) + ": a field needs an even number of floats");
  return g.size() / 2;
}

// Shared by the isotropic field priors (group L1, Huber): their proxes keep each 2-vector's
// direction and shrink its length, out_p = v_p · factor(|v_p|, τ·w_p).
template <class WeightAt, class Factor>
void radial_shrink(const char* who, const Image& v, const Image& weights, Image& out, double tau, WeightAt w,
                   Factor factor) {
  check_pair(who, v, out);
  const std::int64_t n = field_pixels(who, v);
  check_weights(who, weights, n);
  const float* vx = v.data<float>();
  const float* vy = vx + n;
  float* ox = out.data<float>();
  float* oy = ox + n;
  for (std::int64_t p = 0; p < n; ++p) {
    const double a = vx[p], b = vy[p];
    const double s = factor(std::hypot(a, b), tau * w(p));
    ox[p] = float(a * s), oy[p] = float(b * s);
  }
}

}  // namespace

double L1Prior::value(const Image& x, double weight) const {
  check_weights("l1", weights_, x.size());
  const float* p = x.data<float>();
  double s = 0;
  for (std::int64_t i = 0; i < x.size(); ++i) s += w(i) * std::abs(double(p[i]));
  return weight * s;
}

void L1Prior::prox(const Image& v, double tau, Image& out) const {
  check_pair("l1", v, out);
  check_weights("l1", weights_, v.size());
  const float* a = v.data<float>();
  float* o = out.data<float>();
  for (std::int64_t i = 0; i < v.size(); ++i) {
    const double t = tau * w(i), x = a[i], m = std::abs(x) - t;
    o[i] = m > 0 ? float(std::copysign(m, x)) : 0.f;
  }
}

double GroupL1Prior::value(const Image& g, double weight) const {
  const std::int64_t n = field_pixels("group_l1", g);
  check_weights("group_l1", weights_, n);
  const float* gx = g.data<float>();
  const float* gy = gx + n;
  double s = 0;
  for (std::int64_t p = 0; p < n; ++p) s += w(p) * std::hypot(double(gx[p]), double(gy[p]));
  return weight * s;
}

void GroupL1Prior::prox(const Image& v, double tau, Image& out) const {
  radial_shrink("group_l1", v, weights_, out, tau, [this](std::int64_t p) { return w(p); },
                [](double r, double t) { return r > t ? 1.0 - t / r : 0.0; });
}

HuberPrior::HuberPrior(double delta) : delta_(delta) {
  if (!(delta > 0)) throw std::invalid_argument("huber: delta must be > 0");
}

double HuberPrior::value(const Image& g, double weight) const {
  const std::int64_t n = field_pixels("huber", g);
  check_weights("huber", weights_, n);
  const float* gx = g.data<float>();
  const float* gy = gx + n;
  double s = 0;
  for (std::int64_t p = 0; p < n; ++p) {
    const double r = std::hypot(double(gx[p]), double(gy[p]));
    s += w(p) * (r <= delta_ ? r * r / (2 * delta_) : r - 0.5 * delta_);
  }
  return weight * s;
}

void HuberPrior::prox(const Image& v, double tau, Image& out) const {
  // Magnitude map: r·δ/(δ+t) inside the quadratic zone, r − t on the linear part.
  const double d = delta_;
  radial_shrink("huber", v, weights_, out, tau, [this](std::int64_t p) { return w(p); },
                [d](double r, double t) { return r <= d + t ? d / (d + t) : 1.0 - t / r; });
}

double NonNegativePrior::value(const Image& x, double) const {
  const float* p = x.data<float>();
  for (std::int64_t i = 0; i < x.size(); ++i)
    if (p[i] < 0) return std::numeric_limits<double>::infinity();
  return 0.0;
}

void NonNegativePrior::prox(const Image& v, double, Image& out) const {
  check_pair("nonneg", v, out);
  const float* a = v.data<float>();
  float* o = out.data<float>();
  for (std::int64_t i = 0; i < v.size(); ++i) o[i] = a[i] > 0 ? a[i] : 0.f;
}

}  // namespace mirflow::ir
