#include "mirflow_ir/admm.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <mirflow_physics/device_kernels.hpp>

#include "mirflow_ir/circulant.hpp"
#include "parallel_blocks.hpp"

namespace mirflow::ir {
namespace {

using physics::LinearOperator;

// The solver's buffers live where the data b lives (host, or CUDA memory: then every operator,
// prior and vector helper runs on the device and nothing leaves it between iterations).
Image alloc(const physics::Space& s, Device device) {
  if (s.complex) throw std::invalid_argument("admm: complex spaces are not supported yet (" + s.describe() + ")");
  return s.allocate(device);
}

// K x with K = null meaning the identity (splits and quadratic terms share the convention).
void apply_K(const LinearOperator* K, const Image& x, const Image& y) {
  if (K) K->apply_into(x, y);
  else vec::assign(x, y);
}
void adjoint_K(const LinearOperator* K, const Image& y, const Image& x) {
  if (K) K->adjoint_into(y, x);
  else vec::assign(y, x);
}

void multiply(const Image& W, const Image& y) {
  if (!W.empty()) vec::multiply(W, y);
}

// Σ W·r² (W empty: 1), in double.
double weighted_square(const Image& r, const Image& W) { return W.empty() ? vec::dot(r, r) : vec::weighted_dot(W, r, r); }

// The quadratic terms with γ‖x − x_prior‖² appended as one more (identity K).
std::vector<QuadraticTerm> all_quadratic(const AdmmProblem& P) {
  std::vector<QuadraticTerm> q = P.quadratic;
  if (P.gamma > 0) q.push_back({nullptr, P.x_prior, P.gamma, {}});
  return q;
}

void check(const AdmmProblem& P) {
  if (!P.A) throw std::invalid_argument("admm: no forward operator");
  const Device device = P.b.device();
  auto same_device = [&](const Image& im, const char* what) {
    if (!im.empty() && im.device() != device)
      throw std::invalid_argument(std::string("admm: ") + what + " is in " + device_name(im.device()) +
                                  " memory but b is in " + device_name(device) + " memory");
  };
  same_device(P.W, "W");
  same_device(P.x_prior, "x_prior");
  for (const auto& q : P.quadratic) same_device(q.target, "a quadratic target"), same_device(q.W, "a quadratic weight");
  const auto refuse = [&](const std::string& who) {
    throw std::invalid_argument("admm: " + who + " has no " + device_name(device) + " version; solve on the host");
  };
  if (!P.A->runs_on(device)) refuse("the forward operator " + P.A->name());
  for (const auto& q : P.quadratic)
    if (q.K && !q.K->runs_on(device)) refuse("operator " + q.K->name());
  for (const auto& t : P.terms) {
    if (t.K && !t.K->runs_on(device)) refuse("operator " + t.K->name());
    if (t.prior && !t.prior->runs_on(device)) refuse("prior " + t.prior->name());
  }
  const auto dom = P.A->domain(), ran = P.A->range();
  if (!ran.matches(P.b)) throw std::invalid_argument("admm: b does not match " + P.A->name() + "'s range " + ran.describe());
  if (!P.W.empty() && !ran.matches(P.W)) throw std::invalid_argument("admm: W does not match the range");
  if (!P.x_prior.empty() && !dom.matches(P.x_prior)) throw std::invalid_argument("admm: x_prior does not match the domain");
  if (P.gamma < 0) throw std::invalid_argument("admm: gamma < 0");
  for (const auto& q : P.quadratic) {
    const std::string who = q.K ? q.K->name() : std::string("identity");
    if (q.K && !(q.K->domain() == dom)) throw std::invalid_argument("admm: quadratic term " + who + " has another domain");
    const physics::Space r = q.K ? q.K->range() : dom;
    if (!q.target.empty() && !r.matches(q.target))
      throw std::invalid_argument("admm: the target of quadratic term " + who + " does not match its range " + r.describe());
    if (!q.W.empty() && !r.matches(q.W))
      throw std::invalid_argument("admm: the weights of quadratic term " + who + " do not match its range " + r.describe());
    if (!(q.weight >= 0)) throw std::invalid_argument("admm: quadratic term " + who + " has a negative weight");
  }
  for (const auto& t : P.terms) {
    if (!t.prior) throw std::invalid_argument("admm: a term without a prior");
    if (t.K && !(t.K->domain() == dom)) throw std::invalid_argument("admm: K of " + t.prior->name() + " has another domain");
    if (t.beta < 0) throw std::invalid_argument("admm: beta < 0");
  }
}

// Σ_q (w_q/2)‖K_q x − t_q‖²_{W_q} using preallocated range buffers.
double quadratic_value(const std::vector<QuadraticTerm>& Q, const Image& x, std::vector<Image>& buf) {
  double f = 0;
  for (std::size_t q = 0; q < Q.size(); ++q) {
    apply_K(Q[q].K.get(), x, buf[q]);
    if (!Q[q].target.empty()) vec::axpy(-1.0, Q[q].target, buf[q]);
    f += 0.5 * Q[q].weight * weighted_square(buf[q], Q[q].W);
  }
  return f;
}

// The diagonal of K_kᴴ W K_k through the normal-inverse hook (K null: identity); false when
// it is not diagonal.
bool normal_diagonal(const LinearOperator* K, const Image& W, const Image& d) {
  if (K) return K->normal_diagonal(W, d);
  if (W.empty()) vec::fill(d, 1.0);
  else vec::assign(W, d);
  return true;
}

}  // namespace

AdmmProblem problem_on(const AdmmProblem& P, Device device) {
  AdmmProblem out = P;
  out.b = physics::to_device(P.b, device);
  out.W = physics::to_device(P.W, device);
  out.x_prior = physics::to_device(P.x_prior, device);
  for (auto& q : out.quadratic) q.target = physics::to_device(q.target, device), q.W = physics::to_device(q.W, device);
  return out;
}

const char* admm_stop_name(AdmmStop s) { return s == AdmmStop::Converged ? "converged" : "max_iterations"; }

double admm_objective(const AdmmProblem& P, const Image& xin) {
  check(P);
  const Image x = physics::to_device(physics::as_contiguous_f32(xin), P.b.device());
  const Device device = P.b.device();
  Image r = alloc(P.A->range(), device);
  P.A->apply_into(x, r);
  vec::axpy(-1.0, P.b, r);
  double f = 0.5 * weighted_square(r, P.W);
  const auto Q = all_quadratic(P);
  std::vector<Image> qbuf;
  for (const auto& q : Q) qbuf.push_back(alloc(q.K ? q.K->range() : P.A->domain(), device));
  f += quadratic_value(Q, x, qbuf);
  for (const auto& t : P.terms) {
    Image kx = alloc(t.K ? t.K->range() : P.A->domain(), device);
    apply_K(t.K.get(), x, kx);
    f += t.prior->value(kx, t.beta);
  }
  return f;
}

AdmmResult admm(const AdmmProblem& P, const AdmmOptions& o) {
  check(P);
  if (!(o.rho > 0)) throw std::invalid_argument("admm: rho must be > 0");
  const physics::Space dom = P.A->domain();
  const std::size_t nt = P.terms.size();
  const std::vector<QuadraticTerm> Q = all_quadratic(P);
  const std::size_t nq = Q.size();
  const Device device = P.b.device();
  const auto alloc = [device](const physics::Space& s) { return ::mirflow::ir::alloc(s, device); };
  AdmmResult res;
  res.x = alloc(dom);
  if (!o.x0.empty()) {
    if (!dom.matches(o.x0)) throw std::invalid_argument("admm: x0 does not match the domain");
    vec::assign(physics::to_device(physics::as_contiguous_f32(o.x0), device), res.x);
  }
  Image& x = res.x;

  // Every buffer the loop needs, allocated once.
  std::vector<Image> qbuf(nq);
  for (std::size_t q = 0; q < nq; ++q) qbuf[q] = alloc(Q[q].K ? Q[q].K->range() : dom);
  std::vector<Image> z(nt), u(nt), kx(nt), zold(nt), tmp(nt);
  std::int64_t p_floats = 0;
  for (std::size_t k = 0; k < nt; ++k) {
    const physics::Space s = P.terms[k].K ? P.terms[k].K->range() : dom;
    z[k] = alloc(s), u[k] = alloc(s), kx[k] = alloc(s), zold[k] = alloc(s), tmp[k] = alloc(s);
    apply_K(P.terms[k].K.get(), x, z[k]);  // z = K x0, u = 0
    p_floats += s.floats();
  }
  const std::int64_t n_floats = dom.floats();
  Image ar = alloc(P.A->range()), xt = alloc(dom), rhs = alloc(dom), acc = alloc(dom);

  // Right-hand side part that does not change: AᴴWb + Σ w_q K_qᴴ W_q t_q.
  Image rhs0 = alloc(dom);
  vec::assign(P.b, ar);
  multiply(P.W, ar);
  P.A->adjoint_into(ar, rhs0);
  for (std::size_t q = 0; q < nq; ++q) {
    if (Q[q].target.empty() || Q[q].weight == 0) continue;
    vec::assign(Q[q].target, qbuf[q]);
    multiply(Q[q].W, qbuf[q]);
    adjoint_K(Q[q].K.get(), qbuf[q], xt);
    vec::axpy(Q[q].weight, xt, rhs0);
  }

  // The normal-inverse hook: with every normal diagonal the x-step matrix is D0 + ρ·D1.
  Image D0, D1;
  if (o.closed_form) {
    D0 = alloc(dom), D1 = alloc(dom);
    bool diagonal = normal_diagonal(P.A.get(), P.W, D0);
    for (std::size_t q = 0; diagonal && q < nq; ++q) {
      diagonal = normal_diagonal(Q[q].K.get(), Q[q].W, xt);
      if (diagonal) vec::axpy(Q[q].weight, xt, D0);
    }
    for (std::size_t k = 0; diagonal && k < nt; ++k) {
      diagonal = normal_diagonal(P.terms[k].K.get(), Image{}, xt);
      if (diagonal) vec::axpy(1.0, xt, D1);
    }
    res.closed_form = diagonal;
  }

  res.history.reserve(std::size_t(std::max(o.max_iterations, 0)));
  const Image ref = o.reference.empty() ? Image{} : physics::as_contiguous_f32(o.reference);
  if (!ref.empty() && ref.size() > n_floats)
    throw std::invalid_argument("admm: the reference has more pixels than x (" + ref.describe() + ")");
  const double ref_norm = ref.empty() ? 0.0 : vec::norm(ref);
  // ‖x − ref‖/‖ref‖ on the reference's floats (‖x − ref‖ when ref = 0).
  auto reference_error = [&] {
    const Image xh = physics::to_device(x, Device::CPU);  // a test's aid: one download per iteration
    const float* a = xh.data<float>();
    const float* q = ref.data<float>();
    double s = 0;
    for (std::int64_t i = 0; i < ref.size(); ++i) s += (double(a[i]) - double(q[i])) * (double(a[i]) - double(q[i]));
    return std::sqrt(s) / (ref_norm > 0 ? ref_norm : 1.0);
  };
  double rho = o.rho;
  // The x-step matrix is M = N + ρ Σ K_kᴴK_k, with N = AᴴWA + Σ w_q K_qᴴW_qK_q free of ρ.
  // A x and N x are tracked through the CG updates (x += α·p gives Ax += α·Ap and
  // Nx += α·Np, both just computed for M p), so that neither the CG start (M x) nor the
  // objective needs a projection: a CT iteration of c CG steps costs c projector pairs, not
  // c + 1 and a forward. Both are recomputed exactly every kRefresh iterations, so that float
  // rounding cannot drift.
  constexpr int kRefresh = 10;
  Image ap = alloc(P.A->range()), ax = alloc(P.A->range()), np = alloc(dom), nx = alloc(dom);
  const auto apply_N = [&](const Image& in, const Image& a_in, const Image& out) {
    P.A->apply_into(in, a_in);
    vec::assign(a_in, ar);
    multiply(P.W, ar);
    P.A->adjoint_into(ar, out);
    for (std::size_t q = 0; q < nq; ++q) {
      apply_K(Q[q].K.get(), in, qbuf[q]);
      multiply(Q[q].W, qbuf[q]);
      adjoint_K(Q[q].K.get(), qbuf[q], xt);
      vec::axpy(Q[q].weight, xt, out);
    }
  };
  const auto add_rho_part = [&](const Image& in, const Image& out) {
    for (std::size_t k = 0; k < nt; ++k) {
      apply_K(P.terms[k].K.get(), in, tmp[k]);
      adjoint_K(P.terms[k].K.get(), tmp[k], xt);
      vec::axpy(rho, xt, out);
    }
  };
  const ApplyFn M = [&](const Image& in, const Image& out) {
    apply_N(in, ap, np);
    vec::assign(np, out);
    add_rho_part(in, out);
  };
  const ApplyFn M_at_x = [&](const Image& in, const Image& out) {  // in is x
    vec::assign(nx, out);
    add_rho_part(in, out);
  };
  PcgOptions cg;
  cg.rel_tol = o.cg_rel_tol;
  cg.max_iterations = o.cg_max_iterations;
  cg.start_product = &M_at_x;
  // The circulant preconditioner: symbols of N and of Σ K_kᴴK_k, recombined when ρ changes.
  std::unique_ptr<CirculantPreconditioner> circulant;
  double circulant_rho = 0;
  if (o.circulant_preconditioner && !res.closed_form) {
    std::vector<std::vector<double>> symbols;
    // N (data and quadratic terms) ring-averaged: few-view CT leaves near-zeros between spokes.
    // The symbols are probed (once) and applied by FFTs on the host: device buffers make a round
    // trip through host memory there, the only transfers of a device solve.
    Image probe_in, probe_out;
    if (device != Device::CPU) probe_in = alloc(dom), probe_out = alloc(dom);
    const auto on_host = [&](const std::function<void(const Image&, const Image&)>& f) {
      return [&, f](const Image& in, const Image& out) {
        if (device == Device::CPU) return f(in, out);
        vec::assign(physics::to_device(in, device), probe_in);
        f(probe_in, probe_out);
        vec::assign(physics::to_device(probe_out, Device::CPU), out);
      };
    };
    symbols.push_back(circulant_symbol(
        dom, on_host([&](const Image& in, const Image& out) { apply_N(in, ap, out); }), SymbolShape::Radial));
    symbols.push_back(circulant_symbol(dom, on_host([&](const Image& in, const Image& out) {
      vec::fill(out, 0);
      for (std::size_t k = 0; k < nt; ++k) {
        apply_K(P.terms[k].K.get(), in, tmp[k]);
        adjoint_K(P.terms[k].K.get(), tmp[k], xt);
        vec::axpy(1.0, xt, out);
      }
    })));
    circulant = std::make_unique<CirculantPreconditioner>(dom, std::move(symbols));
    if (device == Device::CPU) {
      cg.preconditioner = [&](const Image& r, const Image& z) { circulant->apply(r, z); };
    } else {
      Image host_r = dom.allocate(), host_z = dom.allocate();
      cg.preconditioner = [&, host_r, host_z](const Image& r, const Image& z) {
        const physics::DeviceKernels& k = physics::require_device_kernels("admm");
        k.download(host_r.raw(), r.raw(), r.bytes());
        circulant->apply(host_r, host_z);
        k.upload(z.raw(), host_z.raw(), z.bytes());
      };
    }
  }
  cg.on_step = [&](double alpha) {
    vec::axpy(alpha, ap, ax);
    vec::axpy(alpha, np, nx);
  };
  PcgWorkspace cg_work(rhs);

  for (int it = 0; it < o.max_iterations; ++it) {
    AdmmIteration h;
    h.rho = rho;
    // x-step.
    vec::assign(rhs0, rhs);
    for (std::size_t k = 0; k < nt; ++k) {
      vec::assign(z[k], tmp[k]);
      vec::axpy(-1.0, u[k], tmp[k]);
      adjoint_K(P.terms[k].K.get(), tmp[k], xt);
      vec::axpy(rho, xt, rhs);
    }
    if (res.closed_form) {
      // x = rhs / (D0 + ρ D1); a zero diagonal (a direction no term sees) keeps x at 0 there.
      const float* r = rhs.data<float>();
      const float* d0 = D0.data<float>();
      const float* d1 = D1.data<float>();
      float* xp = x.data<float>();
      if (device != Device::CPU) physics::require_device_kernels("admm").divide(xp, r, d0, d1, rho, n_floats);
      else detail::parallel_blocks(n_floats, 4 * n_floats, [&](std::int64_t i0, std::int64_t i1) {
        for (std::int64_t i = i0; i < i1; ++i) {
          const double d = double(d0[i]) + rho * double(d1[i]);
          xp[i] = d > 0 ? float(double(r[i]) / d) : 0.f;
        }
      });
    } else {
      if (it % kRefresh == 0) apply_N(x, ax, nx);
      if (circulant && rho != circulant_rho) circulant->set({1.0, rho}), circulant_rho = rho;
      const PcgResult c = pcg(M, rhs, x, cg, cg_work);
      h.cg_iterations = c.iterations;
      res.cg_iterations += c.iterations;
    }

    // z-step and dual update; residuals.
    double r2 = 0, kx2 = 0, z2 = 0, prior_value = 0;
    vec::fill(acc, 0);  // Σ Kᴴ(z − z_old)
    for (std::size_t k = 0; k < nt; ++k) {
      const AdmmTerm& t = P.terms[k];
      apply_K(t.K.get(), x, kx[k]);
      if (o.record_objective) prior_value += t.prior->value(kx[k], t.beta);
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
      adjoint_K(t.K.get(), tmp[k], xt);
      vec::axpy(1.0, xt, acc);
    }
    h.primal = std::sqrt(r2);
    h.dual = rho * vec::norm(acc);
    vec::fill(acc, 0);  // Σ Kᴴ u
    for (std::size_t k = 0; k < nt; ++k) {
      adjoint_K(P.terms[k].K.get(), u[k], xt);
      vec::axpy(1.0, xt, acc);
    }
    h.eps_primal = std::sqrt(double(p_floats)) * o.abs_tol + o.rel_tol * std::sqrt(std::max(kx2, z2));
    h.eps_dual = std::sqrt(double(n_floats)) * o.abs_tol + o.rel_tol * rho * vec::norm(acc);
    if (o.record_objective) {
      if (res.closed_form) P.A->apply_into(x, ar);
      else vec::assign(ax, ar);  // tracked
      vec::axpy(-1.0, P.b, ar);
      h.objective = 0.5 * weighted_square(ar, P.W) + quadratic_value(Q, x, qbuf) + prior_value;
    } else {
      h.objective = std::numeric_limits<double>::quiet_NaN();
    }
    h.error = ref.empty() ? std::numeric_limits<double>::quiet_NaN() : reference_error();
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
        for (auto& uk : u) vec::scale(uk, 1.0 / scale);
      }
    }
  }
  return res;
}

}  // namespace mirflow::ir
