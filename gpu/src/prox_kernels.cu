// The built-in priors' proxes and values on the device, one thread per pixel, with the CPU's
// shrinkage formulas (mirflow_ir/stencils.hpp).
#include <cfloat>

#include <mirflow_ir/stencils.hpp>

#include "kernels.hpp"
#include "launch.cuh"

namespace mirflow::gpu::kernels {

using namespace mirflow::ir::stencil;
using ir::RadialKind;

namespace {
__device__ inline double weight_at(const float* w, std::int64_t p) { return w ? double(w[p]) : 1.0; }
__device__ inline double radial_factor(RadialKind kind, double r, double t, double delta) {
  return kind == RadialKind::Huber ? huber_factor(r, t, delta) : group_l1_factor(r, t);
}
}  // namespace

void soft_threshold(const float* v, float* out, const float* w, std::int64_t n, double tau) {
  detail::for_each(
      n, [=] __device__(std::int64_t i) { out[i] = float(mirflow::ir::stencil::soft_threshold(v[i], tau * weight_at(w, i))); },
      "soft_threshold");
}

double l1_value(const float* x, const float* w, std::int64_t n) {
  return detail::reduce_sum(n, [=] __device__(std::int64_t i) { return weight_at(w, i) * fabs(double(x[i])); },
                            "l1_value");
}

void radial_shrink(const float* v, float* out, const float* w, std::int64_t n, int components, double tau,
                   RadialKind kind, double delta) {
  detail::for_each(
      n,
      [=] __device__(std::int64_t p) {
        const double t = tau * weight_at(w, p);
        if (components == 2) {  // as the CPU's two-component path: hypot
          const double a = v[p], b = v[p + n];
          const double s = radial_factor(kind, hypot(a, b), t, delta);
          out[p] = float(a * s), out[p + n] = float(b * s);
          return;
        }
        double r2 = 0;
        for (int c = 0; c < components; ++c) r2 += double(v[p + c * n]) * double(v[p + c * n]);
        const double s = radial_factor(kind, sqrt(r2), t, delta);
        for (int c = 0; c < components; ++c) out[p + c * n] = float(double(v[p + c * n]) * s);
      },
      "radial_shrink");
}

double radial_value(const float* g, const float* w, std::int64_t n, int components, RadialKind kind, double delta) {
  return detail::reduce_sum(
      n,
      [=] __device__(std::int64_t p) {
        double r2 = 0;
        for (int c = 0; c < components; ++c) r2 += double(g[p + c * n]) * double(g[p + c * n]);
        const double r = sqrt(r2);
        return weight_at(w, p) * (kind == RadialKind::Huber ? huber_value(r, delta) : r);
      },
      "radial_value");
}

void clamp_nonnegative(const float* v, float* out, std::int64_t n) {
  detail::for_each(n, [=] __device__(std::int64_t i) { out[i] = v[i] > 0 ? v[i] : 0.f; }, "clamp_nonnegative");
}

double minimum(const float* x, std::int64_t n) {
  return detail::reduce(
      n, [=] __device__(std::int64_t i) { return double(x[i]); },
      [] __device__(double a, double b) { return a < b ? a : b; }, [](double a, double b) { return a < b ? a : b; },
      DBL_MAX, "minimum");
}

}  // namespace mirflow::gpu::kernels
