#include "mirflow_ir/pcg.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include <mirflow_physics/device_kernels.hpp>

namespace mirflow::ir {

namespace vec {
namespace {
// Below this many floats a loop is faster than scheduling tasks.
constexpr std::int64_t kParallelFloats = 1 << 16;
constexpr std::int64_t kGrain = 1 << 14;

template <class Body>
void for_each_block(std::int64_t n, Body body) {
  if (n < kParallelFloats) return body(std::int64_t{0}, n);
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, n, kGrain),
                    [&](const tbb::blocked_range<std::int64_t>& r) { body(r.begin(), r.end()); });
}
}  // namespace

using physics::on_device;
using physics::require_device_kernels;

double dot(const Image& a, const Image& b) {
  const float* p = a.data<float>();
  const float* q = b.data<float>();
  if (on_device(a)) return require_device_kernels("vec::dot").dot(p, q, a.size());
  auto partial = [p, q](std::int64_t lo, std::int64_t hi) {
    double s = 0;
    for (std::int64_t i = lo; i < hi; ++i) s += double(p[i]) * double(q[i]);
    return s;
  };
  const std::int64_t n = a.size();
  if (n < kParallelFloats) return partial(0, n);
  // Deterministic: the same split and the same order of additions on every run.
  return tbb::parallel_deterministic_reduce(
      tbb::blocked_range<std::int64_t>(0, n, kGrain), 0.0,
      [&](const tbb::blocked_range<std::int64_t>& r, double s) { return s + partial(r.begin(), r.end()); },
      [](double x, double y) { return x + y; });
}
double norm(const Image& a) { return std::sqrt(dot(a, a)); }
double weighted_dot(const Image& w, const Image& a, const Image& b) {
  const float* pw = w.data<float>();
  const float* p = a.data<float>();
  const float* q = b.data<float>();
  if (on_device(a)) return require_device_kernels("vec::weighted_dot").weighted_dot(pw, p, q, a.size());
  double s = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) s += double(pw[i]) * double(p[i]) * double(q[i]);
  return s;
}
void axpy(double a, const Image& x, const Image& y) {
  const float* p = x.data<float>();
  float* q = y.data<float>();
  if (on_device(y)) return require_device_kernels("vec::axpy").axpy(q, p, y.size(), a);
  for_each_block(x.size(), [=](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) q[i] = float(double(q[i]) + a * double(p[i]));
  });
}
void xpay(const Image& x, double a, const Image& y) {
  const float* p = x.data<float>();
  float* q = y.data<float>();
  if (on_device(y)) return require_device_kernels("vec::xpay").xpay(q, p, y.size(), a);
  for_each_block(x.size(), [=](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) q[i] = float(double(p[i]) + a * double(q[i]));
  });
}
void multiply(const Image& w, const Image& y) {
  const float* p = w.data<float>();
  float* q = y.data<float>();
  if (on_device(y)) return require_device_kernels("vec::multiply").multiply(q, p, y.size());
  for_each_block(y.size(), [=](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) q[i] *= p[i];
  });
}
void scale(const Image& y, double s) {
  float* q = y.data<float>();
  if (on_device(y)) return require_device_kernels("vec::scale").scale(q, y.size(), s);
  for_each_block(y.size(), [=](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) q[i] = float(double(q[i]) * s);
  });
}
void assign(const Image& x, const Image& y) {
  if (on_device(y)) return require_device_kernels("vec::assign").copy(y.raw(), x.raw(), x.bytes());
  std::memcpy(y.data<float>(), x.data<float>(), x.bytes());
}
void fill(const Image& y, double v) {
  float* q = y.data<float>();
  const float f = float(v);
  if (on_device(y)) return require_device_kernels("vec::fill").fill(q, y.size(), f);
  for_each_block(y.size(), [=](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) q[i] = f;
  });
}
Image like(const Image& x) {
  Image y = Image::allocate(DType::F32, x.shape(), x.ndim(), x.device());
  y.geometry() = x.geometry();
  return y;
}
}  // namespace vec

PcgWorkspace::PcgWorkspace(const Image& b) : r(vec::like(b)), z(vec::like(b)), p(vec::like(b)), q(vec::like(b)) {}

PcgResult pcg(const ApplyFn& M, const Image& b, Image& x, const PcgOptions& o) {
  if (b.dtype() != DType::F32 || !b.contiguous()) throw std::invalid_argument("pcg: b must be a contiguous float32 image");
  PcgWorkspace work(b);
  return pcg(M, b, x, o, work);
}

PcgResult pcg(const ApplyFn& M, const Image& b, Image& x, const PcgOptions& o, PcgWorkspace& w) {
  if (b.dtype() != DType::F32 || x.dtype() != DType::F32 || !b.contiguous() || !x.contiguous() || b.size() != x.size())
    throw std::invalid_argument("pcg: b and x must be contiguous float32 images of one shape");
  if (w.r.size() != b.size() || w.z.size() != b.size() || w.p.size() != b.size() || w.q.size() != b.size())
    throw std::invalid_argument("pcg: workspace shape differs from b");
  const bool pre = !o.inv_diagonal.empty();
  if (pre && o.inv_diagonal.size() != b.size()) throw std::invalid_argument("pcg: preconditioner shape");
  PcgResult res;
  const double bn = vec::norm(b);
  if (bn == 0) {
    vec::fill(x, 0);
    res.converged = true;
    return res;
  }
  Image &r = w.r, &z = w.z, &p = w.p, &q = w.q;
  (o.start_product ? *o.start_product : M)(x, q);
  vec::assign(b, r);
  vec::axpy(-1.0, q, r);  // r = b − M x
  auto precondition = [&] {
    if (o.preconditioner) return o.preconditioner(r, z);
    vec::assign(r, z);
    if (pre) vec::multiply(o.inv_diagonal, z);
  };
  precondition();
  vec::assign(z, p);
  double rz = vec::dot(r, z);
  double rn = vec::norm(r);
  while (rn > o.rel_tol * bn && res.iterations < o.max_iterations) {
    M(p, q);
    ++res.iterations;
    const double pq = vec::dot(p, q);
    if (!(pq > 0)) break;  // not positive definite along p (or breakdown): keep x
    const double alpha = rz / pq;
    vec::axpy(alpha, p, x);
    if (o.on_step) o.on_step(alpha);
    vec::axpy(-alpha, q, r);
    rn = vec::norm(r);
    precondition();
    const double rz_new = vec::dot(r, z);
    const double beta = rz_new / rz;
    rz = rz_new;
    vec::xpay(z, beta, p);  // p = z + β·p
  }
  res.residual = rn / bn;
  res.converged = rn <= o.rel_tol * bn;
  return res;
}

}  // namespace mirflow::ir
