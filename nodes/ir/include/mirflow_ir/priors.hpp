#pragma once
// The built-in priors as Regularisers (regulariser.hpp). Each appends its terms to an
// AdmmProblem whose variable is ctx.variable; β multiplies every term (and ctx.beta_map, when
// given, multiplies β per pixel). docs/reconstruction.md lists the maths and the units.
#include <cstdint>

#include "mirflow_ir/regulariser.hpp"

namespace mirflow::ir {

// β Σ_p m_p |∇x|_p : isotropic TV, a group-L1 split on ∇x.
class TvRegulariser final : public Regulariser {
 public:
  std::string name() const override { return "tv"; }
  void contribute(const PriorContext& ctx, double beta, AdmmProblem& problem) const override;
};

// β Σ_p m_p h_δ(|∇x|_p): Huber of the gradient magnitude (HuberPrior), split on ∇x.
class HuberRegulariser final : public Regulariser {
 public:
  explicit HuberRegulariser(double delta);
  std::string name() const override { return "huber"; }
  void contribute(const PriorContext& ctx, double beta, AdmmProblem& problem) const override;

 private:
  double delta_;
};

// β·TGV²: β (α1 Σ m_p |∇x − w|_p + α0 Σ m_p |E w|_p) with w two auxiliary planes
// (tgv_operators.hpp); two group-L1 splits, no inner solver.
class TgvRegulariser final : public Regulariser {
 public:
  TgvRegulariser(double alpha0, double alpha1);
  std::string name() const override { return "tgv"; }
  int aux_planes() const override { return 2; }
  void contribute(const PriorContext& ctx, double beta, AdmmProblem& problem) const override;

 private:
  double alpha0_, alpha1_;
};

// β Σ_c m_c |(Ψx)_c| over the detail coefficients of the Daubechies-4 transform (wavelet.hpp;
// coarse band free). shifts > 0: that many transforms with seeded random circular shifts in
// [0, 2^levels), each with β/shifts (a union of bases: cycle spinning as one convex problem).
class WaveletRegulariser final : public Regulariser {
 public:
  WaveletRegulariser(int levels, int shifts = 0, std::uint64_t seed = 0);
  std::string name() const override { return "wavelet"; }
  void contribute(const PriorContext& ctx, double beta, AdmmProblem& problem) const override;

 private:
  int levels_, shifts_;
  std::uint64_t seed_;
};

// (β/2) Σ_p m_p ‖∇x − η∇g‖²_p with g = ctx.guide: a smooth term (QuadraticTerm, no split)
// pulling x's edges towards the guide's; η converts the guide's intensities into x's.
class AnatomicalRegulariser final : public Regulariser {
 public:
  explicit AnatomicalRegulariser(double eta);
  std::string name() const override { return "anatomical"; }
  void contribute(const PriorContext& ctx, double beta, AdmmProblem& problem) const override;

 private:
  double eta_;
};

// β Σ_p m_p |x_p|: sparsity of the image itself.
class L1Regulariser final : public Regulariser {
 public:
  std::string name() const override { return "l1"; }
  void contribute(const PriorContext& ctx, double beta, AdmmProblem& problem) const override;
};

}  // namespace mirflow::ir
