#pragma once
// A circulant (Fourier-diagonal) preconditioner for CG, found by probing the operator.
//
// CG converges slowly on the components of x where the normal operator is small. For CT,
// AᴴA behaves like 1/|ω|: fine detail (edges) is what converges last, and a diagonal
// (Jacobi) preconditioner cannot change that. A circulant approximation can: its symbol is the
// 2-D DFT of the operator's response to a unit impulse at the centre of the image (the
// point-spread function there), and applying its inverse costs two FFTs. The approximation is
// good where the operator is nearly shift-invariant (parallel- and fan-beam AᴴA near the
// centre, ∇ᴴ∇, blur, identity); CG stays exact whatever the quality, since the preconditioner is
// symmetric positive definite by construction (real, even symbol, floored at a small fraction
// of its maximum). Reference: Fessler & Booth, IEEE TIP 8(5), 1999 (circulant preconditioners
// for tomographic reconstruction).
#include <memory>
#include <vector>

#include <mirflow_physics/operator.hpp>

#include "mirflow_ir/pcg.hpp"

namespace mirflow::ir {

// The symbol of one operator on a real single-plane space: DFT of M δ_centre, circularly
// shifted so that the centre is pixel (0, 0); real part (nx·ny values, x fastest).
// Radial: averaged over rings of equal normalised frequency |(k/nx, l/ny)|, one ring per
// 1/max(nx, ny). Few-view CT needs it: its AᴴA has near-zeros between the views' spokes at high
// frequency, which an exact symbol would invert into huge gains; the ring average keeps the
// 1/|ω| trend that matters.
enum class SymbolShape { Exact, Radial };
std::vector<double> circulant_symbol(const physics::Space& space, const ApplyFn& M,
                                     SymbolShape shape = SymbolShape::Exact);

// z = P⁻¹ r with P = Σ_j c_j S_j, for symbols S_j of one space. set() may be called again (a new
// ρ): it only recombines the symbols.
class CirculantPreconditioner {
 public:
  CirculantPreconditioner(const physics::Space& space, std::vector<std::vector<double>> symbols);
  ~CirculantPreconditioner();
  // Coefficients c_j, one per symbol (≥ 0). The combined symbol is floored at 1e-4 of its maximum.
  void set(const std::vector<double>& coefficients);
  void apply(const Image& r, const Image& z) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mirflow::ir
