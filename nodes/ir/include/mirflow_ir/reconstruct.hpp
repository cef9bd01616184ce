#pragma once
// The problem builder and solve entry of the ir.admm node: from an image-domain forward model,
// data, weights and a list of priors to an AdmmProblem on the stacked variable (x followed by
// the priors' auxiliary planes), with data scaling, multi-resolution and a memory check.
//
//   x* = argmin_x ½‖A x − b‖²_W + (γ/2)‖x − x_prior‖² + Σ_k β_k R_k(x)  [+ x ≥ 0]
//
// Data scaling (scale_data): s = the 99th percentile of |x̃| with x̃ = AᴴWb ⊘ AᴴWA1 (a
// normalised back-projection; x̃ = b for A = identity; pixels where AᴴWA1 ≤ 10⁻⁶·max excluded),
// s = 1 when that is 0. The solve runs on b/s, x_prior/s (and the guide divided by its own 99th
// percentile of |g|) and returns s·x'. Every prior here is positively 1-homogeneous or
// quadratic in the same units, so multiplying b by c multiplies x* by c: β means the same
// thing whatever the intensity units.
// Multi-resolution (levels L > 1): grids with factor f = 2^l (l = L−1 … 0), sizes n/f (n must be
// divisible by 2^(L−1)), spacing ×f; A_l = make_operator(space_l); β_l = β·f², γ_l = γ·f²
// (each pixel stands for f² fine pixels, so the discrete sums approximate the same integrals);
// β map, guide and x_prior averaged over f×f blocks; each level's x, replicated ×2, starts the next.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "mirflow_ir/admm.hpp"
#include "mirflow_ir/regulariser.hpp"

namespace mirflow::ir {

struct WeightedPrior {
  std::shared_ptr<const Regulariser> prior;
  double beta = 0.0;  // ≥ 0
};

struct ReconstructionSpec {
  std::shared_ptr<const physics::LinearOperator> A;  // image domain (real) → measurement
  Image b;                                           // measurement (A's range)
  Image W;                                           // statistical weights (A's range); empty: 1
  double gamma = 0.0;                                // (γ/2)‖x − x_prior‖², ≥ 0
  Image x_prior;                                     // A's domain; empty: 0
  bool warm_start_from_prior = false;                // x0 = x_prior (when no multires)
  std::vector<WeightedPrior> priors;
  Image beta_map;  // nx × ny ≥ 0, multiplies every β per pixel; empty: uniform
  Image guide;     // A's domain, for the anatomical prior; empty: none
  bool nonnegative = false;
  bool scale_data = true;
  Image normal_of_ones;  // AᴴWA1 (A's domain) for this A and W when the caller has it (data scale); empty: computed
  int multires_levels = 1;  // ≥ 1; 1: a single grid
  std::function<std::shared_ptr<const physics::LinearOperator>(physics::Space)> make_operator;  // coarse grids
  AdmmOptions admm;            // ρ, tolerances, iterations (per level); x0 is set here
  bool residual_map = false;   // also compute data_residual_map on the result
  Image reference;             // optional truth (A's domain, data units): error history, finest level
  std::int64_t memory_limit_bytes = 0;  // 0: the memory available now (available_memory_bytes)
  // Where the ADMM iterations run: the problem is built on the host and copied to a CUDA device
  // once per level; the result comes back to the host. Needs the gpu plugin on a machine with a
  // device.
  Device device = Device::CPU;
};

struct ReconstructionResult {
  Image x;                            // on A's domain, in the data's units
  AdmmResult stats;                   // of the finest level (its x is the whole scaled variable)
  std::vector<AdmmResult> coarse;     // coarse levels, coarsest first (empty without multires)
  double data_scale = 1.0;            // s above
  Image residual_map;                 // when requested
  std::int64_t estimated_bytes = 0;
};

// Bytes the solve allocates at the finest level: the solver's vectors on the variable and the
// measurement, 5 per split (z, u, Kx, z_old, scratch), one per quadratic term, the priors'
// weight maps and targets, and the spec's own copies. Operators' internal tables not included.
std::int64_t estimate_bytes(const ReconstructionSpec& spec);

// MemAvailable from /proc/meminfo, else sysconf(_SC_AVPHYS_PAGES)·page size.
std::int64_t available_memory_bytes();

// Builds and solves; throws std::invalid_argument for bad input and std::runtime_error (naming
// the bytes needed and available) before allocating when the estimate exceeds the limit.
ReconstructionResult reconstruct(const ReconstructionSpec& spec);

// The ADMM problem of one grid, for tests and callers that drive admm() themselves: data already
// scaled, β/γ as given; `variable` receives the stacked variable's space.
AdmmProblem build_problem(const ReconstructionSpec& spec, physics::Space* variable = nullptr);

}  // namespace mirflow::ir
