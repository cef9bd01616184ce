#include "mirflow_ir/admm.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace mirflow::ir {
namespace {

using physics::LinearOperator;

Image alloc(const physics::Space& s) {
  if (s.complex) throw std::invalid_argument("admm: complex spaces are not supported yet (" + s.describe() + ")");
  return s.allocate();
}

void apply_K(const AdmmTerm& t, const Image& x, const Image& y) {
  if (t.K) t.K->apply_into(x, y);
  else vec::assign(x, y);
}
void adjoint_K(const AdmmTerm& t, const Image& y, const Image& x) {
  if (t.K) t.K->adjoint_into(y, x);
  else vec::assign(y, x);
}

void multiply(const Image& W, const Image& y) {
  if (W.empty()) return;
  const float* w = W.data<float>();
  float* p = y.data<float>();
  for (std::int64_t i = 0; i < y.size(); ++i) p[i] *= w[i];
}

void check(const AdmmProblem& P) {
  if (!P.A) throw std::invalid_argument("admm: no forward operator");
  const auto dom = P.A->domain(), ran = P.A->range();
  if (!ran.matches(P.b)) throw std::invalid_argument("admm: b does not match " + P.A->name() + "'s range " + ran.describe());
  if (!P.W.empty() && !ran.matches(P.W)) throw std::invalid_argument("admm: W does not match the range");
  if (!P.x_prior.empty() && !dom.matches(P.x_prior)) throw std::invalid_argument("admm: x_prior does not match the domain");
  if (P.gamma < 0) throw std::invalid_argument("admm: gamma < 0");
  for (const auto& t : P.terms) {
    if (!t.prior) throw std::invalid_argument("admm: a term without a prior");
    if (t.K && !(t.K->domain() == dom)) throw std::invalid_argument("admm: K of " + t.prior->name() + " has another domain");
    if (t.beta < 0) throw std::invalid_argument("admm: beta < 0");
  }
}

}  // namespace

const char* admm_stop_name(AdmmStop s) { return s == AdmmStop::Converged ? "converged" : "max_iterations"; }

double admm_objective(const AdmmProblem& P, const Image& xin) {
  check(P);
  const Image x = physics::as_contiguous_f32(xin);
  Image r = alloc(P.A->range());
  P.A->apply_into(x, r);
  vec::axpy(-1.0, P.b, r);
  Image wr = r.clone();
  multiply(P.W, wr);
  double f = 0.5 * vec::dot(r, wr);
  for (const auto& t : P.terms) {
    Image kx = alloc(t.K ? t.K->range() : P.A->domain());
    apply_K(t, x, kx);
    f += t.prior->value(kx, t.beta);
  }
  if (P.gamma > 0) {
    Image d = x.clone();
    if (!P.x_prior.empty()) vec::axpy(-1.0, P.x_prior, d);
    f += 0.5 * P.gamma * vec::dot(d, d);
  }
  return f;
}

AdmmResult admm(const AdmmProblem& P, const AdmmOptions& o) {
  check(P);
  if (!(o.rho > 0)) throw std::invalid_argument("admm: rho must be > 0");
  const physics::Space dom = P.A->domain();
  const std::size_t nt = P.terms.size();
  AdmmResult res;
  res.x = alloc(dom);
  if (!o.x0.empty()) {
    if (!dom.matches(o.x0)) throw std::invalid_argument("admm: x0 does not match the domain");
    vec::assign(physics::as_contiguous_f32(o.x0), res.x);
  }
  Image& x = res.x;

  // Right-hand side part that does not change: AᴴWb + γ x_prior.
  Image rhs0 = alloc(dom);
  {
    Image wb = P.b.clone();
    multiply(P.W, wb);
    P.A->adjoint_into(wb, rhs0);
    if (P.gamma > 0 && !P.x_prior.empty()) vec::axpy(P.gamma, P.x_prior, rhs0);
  }

  std::vector<Image> z(nt), u(nt), kx(nt), zold(nt), tmp(nt);
  std::int64_t p_floats = 0;
  for (std::size_t k = 0; k < nt; ++k) {
    const physics::Space s = P.terms[k].K ? P.terms[k].K->range() : dom;
    z[k] = alloc(s), u[k] = alloc(s), kx[k] = alloc(s), zold[k] = alloc(s), tmp[k] = alloc(s);
    apply_K(P.terms[k], x, z[k]);  // z = K x0, u = 0
    p_floats += s.floats();
  }
  const std::int64_t n_floats = dom.floats();

  double rho = o.rho;
  Image ar = alloc(P.A->range()), xt = alloc(dom), rhs = alloc(dom), acc = alloc(dom);
  const ApplyFn M = [&](const Image& in, const Image& out) {
    P.A->apply_into(in, ar);
    multiply(P.W, ar);
    P.A->adjoint_into(ar, out);
    if (P.gamma > 0) vec::axpy(P.gamma, in, out);
    for (std::size_t k = 0; k < nt; ++k) {
      apply_K(P.terms[k], in, tmp[k]);
      adjoint_K(P.terms[k], tmp[k], xt);
      vec::axpy(rho, xt, out);
    }
  };
  PcgOptions cg;
  cg.rel_tol = o.cg_rel_tol;
  cg.max_iterations = o.cg_max_iterations;

  for (int it = 0; it < o.max_iterations; ++it) {
    AdmmIteration h;
    h.rho = rho;
    // x-step.
    vec::assign(rhs0, rhs);
    for (std::size_t k = 0; k < nt; ++k) {
      vec::assign(z[k], tmp[k]);
      vec::axpy(-1.0, u[k], tmp[k]);
      adjoint_K(P.terms[k], tmp[k], xt);
      vec::axpy(rho, xt, rhs);
    }
    const PcgResult c = pcg(M, rhs, x, cg);
    h.cg_iterations = c.iterations;
    res.cg_iterations += c.iterations;

    // z-step and dual update; residuals.
    double r2 = 0, kx2 = 0, z2 = 0;
    vec::fill(acc, 0);  // Σ Kᴴ(z − z_old)
    for (std::size_t k = 0; k < nt; ++k) {
      const AdmmTerm& t = P.terms[k];
      apply_K(t, x, kx[k]);
      vec::assign(z[k], zold[k]);
      vec::assign(kx[k], tmp[k]);
      vec::axpy(1.0, u[k], tmp[k]);
      t.prior->prox(tmp[k], t.beta / rho, z[k]);
      vec::assign(kx[k], tmp[k]);
      vec::axpy(-1.0, z[k], tmp[k]);  // K x − z
      r2 += vec::dot(tmp[k], tmp[k]);
      vec::axpy(1.0, tmp[k], u[k]);
      kx2 += vec::dot(kx[k], kx[k]);
      z2 += vec::dot(z[k], z[k]);
      vec::assign(z[k], tmp[k]);
      vec::axpy(-1.0, zold[k], tmp[k]);
      adjoint_K(t, tmp[k], xt);
      vec::axpy(1.0, xt, acc);
    }
    h.primal = std::sqrt(r2);
    h.dual = rho * vec::norm(acc);
    vec::fill(acc, 0);  // Σ Kᴴ u
    for (std::size_t k = 0; k < nt; ++k) {
      adjoint_K(P.terms[k], u[k], xt);
      vec::axpy(1.0, xt, acc);
    }
    h.eps_primal = std::sqrt(double(p_floats)) * o.abs_tol + o.rel_tol * std::sqrt(std::max(kx2, z2));
    h.eps_dual = std::sqrt(double(n_floats)) * o.abs_tol + o.rel_tol * rho * vec::norm(acc);
    h.objective = o.record_objective ? admm_objective(P, x) : std::numeric_limits<double>::quiet_NaN();
    res.history.push_back(h);
    res.iterations = it + 1;
    if (h.primal <= h.eps_primal && h.dual <= h.eps_dual) {
      res.stop = AdmmStop::Converged;
      break;
    }
    if (o.balance_rho && nt > 0) {
      double scale = 1.0;
      if (h.primal > o.mu * h.dual) scale = o.tau;
      else if (h.dual > o.mu * h.primal) scale = 1.0 / o.tau;
      if (scale != 1.0) {
        rho *= scale;
        for (auto& uk : u) {
          float* q = uk.data<float>();
          for (std::int64_t i = 0; i < uk.size(); ++i) q[i] = float(double(q[i]) / scale);
        }
      }
    }
  }
  return res;
}

}  // namespace mirflow::ir
