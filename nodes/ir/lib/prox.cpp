#include "mirflow_ir/prox.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <mirflow_physics/device_kernels.hpp>

#include "mirflow_ir/device_kernels.hpp"
#include "mirflow_ir/stencils.hpp"
#include "parallel_blocks.hpp"

namespace mirflow::ir {

const float* Prior::weights_for(const Image& x) const {
  if (weights_.empty()) return nullptr;
  if (x.device() == weights_.device()) return weights_.data<float>();
  std::lock_guard<std::mutex> lock(device_weights_mutex_);
  if (device_weights_.empty()) device_weights_ = physics::to_device(weights_, x.device());
  return device_weights_.data<float>();
}

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

// A field's pixels per component (nx·ny of an nx × (c·ny) image).
std::int64_t field_pixels(const char* who, const Image& g, int components = 2) {
  if (g.size() % components != 0)
    throw std::invalid_argument(std::string(who) + ": a field of " + std::to_string(components) +
                                " components needs a multiple of " + std::to_string(components) + " floats");
  return g.size() / components;
}

// Shared by the isotropic field priors (group L1, Huber): their proxes keep each c-vector's
// direction and shrink its length, out_p = v_p · factor(|v_p|, τ·w_p).
template <class WeightAt, class Factor>
void radial_shrink(const char* who, const Image& v, const Image& weights, const float* device_weights, Image& out,
                   double tau, int components, RadialKind kind, double delta, WeightAt w, Factor factor) {
  check_pair(who, v, out);
  const std::int64_t n = field_pixels(who, v, components);
  check_weights(who, weights, n);
  const float* in = v.data<float>();
  float* o = out.data<float>();
  if (out.device() == Device::CUDA)
    return require_ir_device_kernels(who).radial_shrink(in, o, device_weights, n, components, tau, kind, delta);
  if (components == 2) {  // the common case (TV, Huber) without the inner loop
    const float* vy = in + n;
    float* oy = o + n;
    detail::parallel_blocks(n, 4 * n, [&](std::int64_t p0, std::int64_t p1) {
      for (std::int64_t p = p0; p < p1; ++p) {
        const double a = in[p], b = vy[p];
        const double s = factor(std::hypot(a, b), tau * w(p));
        o[p] = float(a * s), oy[p] = float(b * s);
      }
    });
    return;
  }
  detail::parallel_blocks(n, 2 * components * n, [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t p = p0; p < p1; ++p) {
      double r2 = 0;
      for (int c = 0; c < components; ++c) r2 += double(in[p + c * n]) * double(in[p + c * n]);
      const double s = factor(std::sqrt(r2), tau * w(p));
      for (int c = 0; c < components; ++c) o[p + c * n] = float(double(in[p + c * n]) * s);
    }
  });
}

}  // namespace

double L1Prior::value(const Image& x, double weight) const {
  check_weights("l1", weights_, x.size());
  const float* p = x.data<float>();
  if (x.device() == Device::CUDA)
    return weight * require_ir_device_kernels("l1").l1_value(p, weights_for(x), x.size());
  double s = 0;
  for (std::int64_t i = 0; i < x.size(); ++i) s += w(i) * std::abs(double(p[i]));
  return weight * s;
}

void L1Prior::prox(const Image& v, double tau, Image& out) const {
  check_pair("l1", v, out);
  check_weights("l1", weights_, v.size());
  const float* a = v.data<float>();
  float* o = out.data<float>();
  if (out.device() == Device::CUDA)
    return require_ir_device_kernels("l1").soft_threshold(a, o, weights_for(v), v.size(), tau);
  detail::parallel_blocks(v.size(), 2 * v.size(), [&](std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; ++i) o[i] = float(stencil::soft_threshold(a[i], tau * w(i)));
  });
}

GroupL1Prior::GroupL1Prior(int components) : components_(components) {
  if (components < 1) throw std::invalid_argument("group_l1: components must be ≥ 1");
}

double GroupL1Prior::value(const Image& g, double weight) const {
  const std::int64_t n = field_pixels("group_l1", g, components_);
  check_weights("group_l1", weights_, n);
  const float* v = g.data<float>();
  if (g.device() == Device::CUDA)
    return weight * require_ir_device_kernels("group_l1").radial_value(v, weights_for(g), n, components_,
                                                                         RadialKind::GroupL1, 0.0);
  double s = 0;
  for (std::int64_t p = 0; p < n; ++p) {
    double r2 = 0;
    for (int c = 0; c < components_; ++c) r2 += double(v[p + c * n]) * double(v[p + c * n]);
    s += w(p) * std::sqrt(r2);
  }
  return weight * s;
}

void GroupL1Prior::prox(const Image& v, double tau, Image& out) const {
  radial_shrink("group_l1", v, weights_, weights_for(v), out, tau, components_, RadialKind::GroupL1, 0.0,
                [this](std::int64_t p) { return w(p); }, [](double r, double t) { return stencil::group_l1_factor(r, t); });
}

HuberPrior::HuberPrior(double delta) : delta_(delta) {
  if (!(delta > 0)) throw std::invalid_argument("huber: delta must be > 0");
}

double HuberPrior::value(const Image& g, double weight) const {
  const std::int64_t n = field_pixels("huber", g);
  check_weights("huber", weights_, n);
  const float* gx = g.data<float>();
  if (g.device() == Device::CUDA)
    return weight * require_ir_device_kernels("huber").radial_value(gx, weights_for(g), n, 2, RadialKind::Huber, delta_);
  const float* gy = gx + n;
  double s = 0;
  for (std::int64_t p = 0; p < n; ++p) {
    const double r = std::hypot(double(gx[p]), double(gy[p]));
    s += w(p) * stencil::huber_value(r, delta_);
  }
  return weight * s;
}

void HuberPrior::prox(const Image& v, double tau, Image& out) const {
  // Magnitude map: r·δ/(δ+t) inside the quadratic zone, r − t on the linear part.
  const double d = delta_;
  radial_shrink("huber", v, weights_, weights_for(v), out, tau, 2, RadialKind::Huber, d,
                [this](std::int64_t p) { return w(p); }, [d](double r, double t) { return stencil::huber_factor(r, t, d); });
}

double NonNegativePrior::value(const Image& x, double) const {
  const float* p = x.data<float>();
  if (x.device() == Device::CUDA)
    return require_ir_device_kernels("nonneg").minimum(p, x.size()) < 0 ? std::numeric_limits<double>::infinity() : 0.0;
  for (std::int64_t i = 0; i < x.size(); ++i)
    if (p[i] < 0) return std::numeric_limits<double>::infinity();
  return 0.0;
}

void NonNegativePrior::prox(const Image& v, double, Image& out) const {
  check_pair("nonneg", v, out);
  const float* a = v.data<float>();
  float* o = out.data<float>();
  if (out.device() == Device::CUDA) return require_ir_device_kernels("nonneg").clamp_nonnegative(a, o, v.size());
  for (std::int64_t i = 0; i < v.size(); ++i) o[i] = a[i] > 0 ? a[i] : 0.f;
}

}  // namespace mirflow::ir
