#pragma once
// Scaled-form ADMM (Boyd et al. 2011) for
//   x* = argmin_x ½‖A x − b‖²_W + Σ_q (w_q/2)‖K_q x − t_q‖²_{W_q} + Σ_k β_k R_k(K_k x)
// with the smooth quadratic terms q folded into the x-step (never split; γ/2‖x − x_prior‖² is
// one of them) and splits z_k = K_k x for the non-smooth priors (K_k = ∇ for TV/Huber,
// identity for L1/non-negativity), as BART's italgos. One iteration, ρ > 0, scaled duals u_k:
//   x ← (AᴴWA + Σ w_q K_qᴴW_qK_q + ρ Σ K_kᴴK_k)⁻¹ (AᴴWb + Σ w_q K_qᴴW_q t_q + ρ Σ K_kᴴ(z_k − u_k))
//   z_k ← prox_{(β_k/ρ) R_k}(K_k x + u_k)
//   u_k ← u_k + K_k x − z_k
// The x-step is a division when every operator's normal is diagonal (the normal-inverse hook
// LinearOperator::normal_diagonal: identity A with any W, orthonormal K such as the wavelet,
// plane selectors) and PCG otherwise (warm started from the previous x).
// Residuals (§3.3): r = ‖(K_k x − z_k)_k‖, s = ρ‖Σ K_kᴴ(z_k − z_k_old)‖; stop when r ≤ ε_pri and
// s ≤ ε_dual with ε_pri = √p ε_abs + ε_rel max(‖(K_k x)_k‖, ‖(z_k)_k‖), ε_dual = √n ε_abs +
// ε_rel ‖ρ Σ K_kᴴ u_k‖ (p: floats of all splits, n: floats of x). Residual balancing (§3.4.1):
// r > μ s → ρ ← ρ·τ, u ← u/τ;  s > μ r → ρ ← ρ/τ, u ← u·τ.
// The solver sees only operators and priors. Without terms the x-step alone solves the problem.
// All buffers are allocated before the first iteration; the loop allocates nothing.
#include <memory>
#include <string>
#include <vector>

#include <mirflow_physics/operator.hpp>

#include "mirflow_ir/pcg.hpp"
#include "mirflow_ir/prox.hpp"

namespace mirflow::ir {

struct AdmmTerm {
  std::shared_ptr<const physics::LinearOperator> K;  // null: identity on x's space
  std::shared_ptr<const Prior> prior;
  double beta = 1.0;
};

// A smooth term (weight/2)‖K x − target‖²_W, folded into the x-step's normal system.
struct QuadraticTerm {
  std::shared_ptr<const physics::LinearOperator> K;  // null: identity on x's space
  Image target;                                      // K's range; empty: 0
  double weight = 1.0;                               // ≥ 0
  Image W;                                           // per-element weights ≥ 0 on K's range; empty: 1
};

struct AdmmProblem {
  std::shared_ptr<const physics::LinearOperator> A;  // forward model (real spaces)
  Image b;                                           // data, A's range
  Image W;                                           // data weights ≥ 0 (A's range); empty: 1
  double gamma = 0.0;                                // shorthand for the quadratic term
  Image x_prior;                                     //   {identity, x_prior (empty: 0), gamma}
  std::vector<QuadraticTerm> quadratic;
  std::vector<AdmmTerm> terms;
};

struct AdmmOptions {
  double rho = 1.0;
  int max_iterations = 200;
  double abs_tol = 1e-4, rel_tol = 1e-3;
  bool balance_rho = true;
  double mu = 10.0, tau = 2.0;
  int cg_max_iterations = 50;
  double cg_rel_tol = 1e-6;
  bool record_objective = true;  // objective per iteration in the history (one extra K each; A x is tracked, or one A for the closed form)
  Image x0;                      // initial x (A's domain); empty: 0
  bool closed_form = true;       // use the normal-inverse hook when every normal is diagonal
  // Precondition the CG x-step with a circulant approximation of its matrix (circulant.hpp),
  // probed once per solve; for CT, where fine detail otherwise converges last. Needs a
  // single-plane real variable (not TGV's stacked one).
  bool circulant_preconditioner = false;
  Image reference;               // optional truth: the history records ‖x − ref‖/‖ref‖ over the
                                 // first reference.size() floats of x (plane 0 of a stacked variable)
};

enum class AdmmStop { Converged, MaxIterations };
const char* admm_stop_name(AdmmStop s);  // "converged", "max_iterations"

struct AdmmIteration {
  double primal = 0, dual = 0;          // r, s
  double eps_primal = 0, eps_dual = 0;  // their tolerances
  double rho = 0;                       // ρ used in this iteration
  double objective = 0;                 // admm_objective(x) after the iteration (NaN when not
                                        // recorded; +∞ while x violates an indicator prior)
  int cg_iterations = 0;
  double error = 0;                     // relative error against AdmmOptions::reference (NaN without)
};

struct AdmmResult {
  Image x;
  int iterations = 0;
  int cg_iterations = 0;
  AdmmStop stop = AdmmStop::MaxIterations;
  bool closed_form = false;  // whether the x-step was a division (else PCG)
  std::vector<AdmmIteration> history;
};

// Runs where problem.b lives: with b in CUDA memory (and W, x_prior and the quadratic terms'
// images there too, see problem_on) every buffer is allocated on the device and stays there;
// the result's x is on the device. Needs the gpu plugin's kernels (physics/ir DeviceKernels).
AdmmResult admm(const AdmmProblem& problem, const AdmmOptions& options = {});

// The same problem with its images (b, W, x_prior, the quadratic terms' targets and weights)
// copied to `device`; operators and priors are shared (they follow their inputs' memory).
AdmmProblem problem_on(const AdmmProblem& problem, Device device);

// ½‖Ax − b‖²_W + Σ_q (w_q/2)‖K_q x − t_q‖²_{W_q} + Σ β_k R_k(K_k x) + (γ/2)‖x − x_prior‖².
double admm_objective(const AdmmProblem& problem, const Image& x);

}  // namespace mirflow::ir
