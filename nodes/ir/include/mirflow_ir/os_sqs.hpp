#pragma once
// Penalised weighted least squares for transmission CT, solved by ordered subsets with separable
// quadratic surrogates (OS-SQS; Erdoğan & Fessler 1999) and Nesterov momentum (Kim, Ramani &
// Fessler 2015), the fast solver of CT MBIR:
//   x* = argmin_{x ≥ 0} Φ(x),  Φ(x) = ½ Σ_i w_i ([Ax]_i − y_i)² + β R(x)
// with y the line integrals, w the statistical weights (ct_weights.hpp: the counts, so that Φ is
// the quadratic approximation of the Poisson log-likelihood and β keeps one meaning at every
// dose) and R a neighbour prior (neighbour_prior.hpp).
//
// The separable surrogate's curvature is D = AᵀWA1 + β·D_R (D_R: the prior's bound); one
// sub-iteration takes the views of one subset m out of M (interleaved: views m, m + M, …):
//   x⁺ = [z − D⁻¹ (M·A_mᵀW_m(A_m z − y_m) + β∇R(z))]₊
// and the momentum step z = x⁺ + ((t − 1)/t⁺)(x⁺ − x) (FISTA's sequence over sub-iterations),
// restarted (t = 1) whenever the step and the momentum disagree (O'Donoghue & Candès 2015:
// (z − x⁺)·(x⁺ − x) > 0), which keeps the ordered subsets' errors from accumulating.
// A full iteration costs one forward and one back-projection of all views plus M prior gradients.
// Ordered subsets with momentum do not converge exactly: they settle into a limit cycle whose
// distance from the minimum grows with M (and diverge beyond some M; docs/ir-node.md measures
// it). The solver runs levels of subsets in turn (momentum restarted at each) so that a caller
// can finish with fewer subsets or one.
#include <memory>
#include <vector>

#include <mirflow/image.hpp>

#include "mirflow_ir/neighbour_prior.hpp"
#include "mirflow_physics/operator.hpp"
#include "mirflow_physics/projection_geometry.hpp"

namespace mirflow::ir {

// The views of one subset: their projector, line integrals and weights (contiguous views × bins).
struct ViewSubset {
  std::shared_ptr<const physics::LinearOperator> A;
  Image y, w;
};

// Splits a sinogram (views × bins, the geometry's shape) and its weights (same shape) into
// `subsets` interleaved view subsets, each with the projector of its views (physics::make_projector
// on the geometry restricted to them). Throws std::invalid_argument for shapes that disagree or
// subsets outside [1, views].
std::vector<ViewSubset> split_views(const physics::ProjectionGeometry& g, const Image& sinogram, const Image& weights,
                                    int subsets);

// The order in which sub-iterations visit the subsets: bit-reversed, so that consecutive subsets
// are far apart in angle.
std::vector<int> subset_order(int subsets);

struct PwlsOptions {
  int iterations = 20;         // full passes over the subsets
  bool momentum = true;        // Nesterov momentum with adaptive restart
  bool nonnegative = true;     // x ≥ 0
  bool record_objective = false;  // Φ after every iteration (one more forward projection each)
};

struct PwlsIteration {
  int subsets = 0;       // of the level this iteration belonged to
  double seconds = 0;    // since the solve started (set-up included, Φ's evaluations not)
  double objective = 0;  // Φ(x), NaN unless record_objective
  int restarts = 0;      // momentum restarts during this iteration
};

struct PwlsResult {
  Image x;  // float32 on the subsets' domain
  std::vector<PwlsIteration> history;
  double setup_seconds = 0;  // the surrogate's curvature (one forward and one back-projection)
};

// Φ(x) (prior may be null: no prior).
double pwls_objective(const std::vector<ViewSubset>& subsets, const NeighbourPrior* prior, double beta, const Image& x);

// One level of the schedule: a split of all the views and the iterations run with it.
struct SubsetLevel {
  std::vector<ViewSubset> subsets;
  int iterations = 0;
};

// Runs the solver from x0 (the subsets' domain; e.g. an FBP) through the levels in order
// (options.iterations is ignored: each level says its own). `prior` may be null (β ignored).
PwlsResult pwls_os_sqs(const std::vector<SubsetLevel>& levels, const NeighbourPrior* prior, double beta, const Image& x0,
                       const PwlsOptions& options);
// One level: `subsets` for options.iterations iterations.
PwlsResult pwls_os_sqs(const std::vector<ViewSubset>& subsets, const NeighbourPrior* prior, double beta, const Image& x0,
                       const PwlsOptions& options);


}  // namespace mirflow::ir
