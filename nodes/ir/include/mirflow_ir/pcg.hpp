#pragma once
// Preconditioned conjugate gradient for M x = b with M symmetric positive definite, given as a
// function (the ADMM x-step, normal equations). Vectors are contiguous float32 images of one
// shape; inner products are accumulated in double.
#include <functional>

#include <mirflow/image.hpp>

namespace mirflow::ir {

// out = M in (`out` preallocated with the shape of `in`; overwrite it).
using ApplyFn = std::function<void(const Image& in, const Image& out)>;

struct PcgOptions {
  double rel_tol = 1e-6;   // stop when ‖b − M x‖ ≤ rel_tol · ‖b‖ (recursive residual)
  int max_iterations = 100;
  Image inv_diagonal;      // Jacobi preconditioner: 1/diag(M), same shape as b; empty: none
  ApplyFn preconditioner;  // z = P⁻¹ r for a symmetric positive definite P (wins over inv_diagonal)
  // For a caller that knows M x of the starting x more cheaply than M itself (it tracks it):
  // used instead of M for the first residual. Null: M.
  const ApplyFn* start_product = nullptr;
  // Called after each update x += α·p, while the last M application was M p, so that the
  // caller can update what it tracks. Empty: nothing.
  std::function<void(double alpha)> on_step;
};

struct PcgResult {
  int iterations = 0;        // M applications inside the loop
  double residual = 0;       // final ‖r‖ / ‖b‖ (0 when b = 0)
  bool converged = false;
};

// Solves M x = b starting from the contents of `x` (warm start; zero it for a cold start).
// `x` must be a contiguous float32 image of b's shape; it receives the solution.
PcgResult pcg(const ApplyFn& M, const Image& b, Image& x, const PcgOptions& options = {});

// Scratch vectors of pcg (r, z, p, q); allocated once by the caller that solves repeatedly.
struct PcgWorkspace {
  Image r, z, p, q;
  explicit PcgWorkspace(const Image& like);
};
PcgResult pcg(const ApplyFn& M, const Image& b, Image& x, const PcgOptions& options, PcgWorkspace& work);

// Small helpers on contiguous float32 images (double accumulation where it matters; large
// images run in parallel with a deterministic reduction, so results do not vary run to run).
// Images in CUDA memory run on the device (physics::DeviceKernels); all arguments of one call
// share a device.
namespace vec {
double dot(const Image& a, const Image& b);
double norm(const Image& a);
double weighted_dot(const Image& w, const Image& a, const Image& b);  // Σ w·a·b
void axpy(double a, const Image& x, const Image& y);          // y += a·x
void xpay(const Image& x, double a, const Image& y);          // y = x + a·y
void multiply(const Image& w, const Image& y);                // y *= w
void scale(const Image& y, double s);                         // y *= s
void assign(const Image& x, const Image& y);                  // y = x
void fill(const Image& y, double v);                          // y = v
Image like(const Image& x);                                   // zeroed, same shape, geometry and device
}  // namespace vec

}  // namespace mirflow::ir
