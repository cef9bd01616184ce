#include "mirflow_ir/pcg.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace mirflow::ir {

namespace vec {
double dot(const Image& a, const Image& b) {
  const float* p = a.data<float>();
  const float* q = b.data<float>();
  double s = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) s += double(p[i]) * double(q[i]);
  return s;
}
double norm(const Image& a) { return std::sqrt(dot(a, a)); }
void axpy(double a, const Image& x, const Image& y) {
  const float* p = x.data<float>();
  float* q = y.data<float>();
  for (std::int64_t i = 0; i < x.size(); ++i) q[i] = float(double(q[i]) + a * double(p[i]));
}
void assign(const Image& x, const Image& y) { std::memcpy(y.data<float>(), x.data<float>(), x.bytes()); }
void fill(const Image& y, double v) {
  float* q = y.data<float>();
  for (std::int64_t i = 0; i < y.size(); ++i) q[i] = float(v);
}
Image like(const Image& x) {
  Image y = Image::allocate(DType::F32, x.shape(), x.ndim());
  y.geometry() = x.geometry();
  return y;
}
}  // namespace vec

PcgResult pcg(const ApplyFn& M, const Image& b, Image& x, const PcgOptions& o) {
  if (b.dtype() != DType::F32 || x.dtype() != DType::F32 || !b.contiguous() || !x.contiguous() || b.size() != x.size())
    throw std::invalid_argument("pcg: b and x must be contiguous float32 images of one shape");
  const bool pre = !o.inv_diagonal.empty();
  if (pre && o.inv_diagonal.size() != b.size()) throw std::invalid_argument("pcg: preconditioner shape");
  PcgResult res;
  const double bn = vec::norm(b);
  if (bn == 0) {
    vec::fill(x, 0);
    res.converged = true;
    return res;
  }
  Image r = vec::like(b), z = vec::like(b), p = vec::like(b), q = vec::like(b);
  M(x, q);
  vec::assign(b, r);
  vec::axpy(-1.0, q, r);  // r = b − M x
  auto precondition = [&] {
    if (!pre) return vec::assign(r, z);
    const float* d = o.inv_diagonal.data<float>();
    const float* rr = r.data<float>();
    float* zz = z.data<float>();
    for (std::int64_t i = 0; i < r.size(); ++i) zz[i] = rr[i] * d[i];
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
    vec::axpy(-alpha, q, r);
    rn = vec::norm(r);
    precondition();
    const double rz_new = vec::dot(r, z);
    const double beta = rz_new / rz;
    rz = rz_new;
    float* pp = p.data<float>();
    const float* zz = z.data<float>();
    for (std::int64_t i = 0; i < p.size(); ++i) pp[i] = float(double(zz[i]) + beta * double(pp[i]));
  }
  res.residual = rn / bn;
  res.converged = rn <= o.rel_tol * bn;
  return res;
}

}  // namespace mirflow::ir
