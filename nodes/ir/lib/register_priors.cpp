// The "ir.prior" components: names, parameter schemas (validated by the core with file:line
// before anything runs) and factories. β itself is not stored in the Regulariser: the node
// reads `beta` from the entry's parameters and passes it to contribute(), so that the
// multi-resolution solve can rescale it per level.
#include <mirflow/registry.hpp>

#include "mirflow_ir/priors.hpp"

namespace mirflow::ir {

namespace {
ParamSpec beta_param(double def) {
  return ParamSpec::Float("beta", def,
                          "regularisation weight, ≥ 0, in units of the scaled data (docs/reconstruction.md: "
                          "with data scaling on, intensities are divided by the data scale first)")
      .range(0.0, 1e12);
}
}  // namespace

void register_priors(Registry& r) {
  const std::string kind = "ir.prior";
  r.add_component<Regulariser>(kind, "tv", "isotropic total variation β Σ|∇x| (group-L1 split on ∇x)",
                               {beta_param(0.05)}, [](const Params&) { return std::make_shared<TvRegulariser>(); });
  r.add_component<Regulariser>(
      kind, "huber", "Huber of the gradient magnitude β Σ h_δ(|∇x|): quadratic below δ, linear above",
      {beta_param(0.05), ParamSpec::Float("delta", 0.02, "corner of the Huber function, in scaled intensity per mm; > 0")
                             .range(1e-12, 1e12)
                             .in_unit("1/mm")},
      [](const Params& p) { return std::make_shared<HuberRegulariser>(p.get_float("delta")); });
  r.add_component<Regulariser>(
      kind, "tgv", "second-order TGV β(α1‖∇x − w‖₁ + α0‖Ew‖₁): two group-L1 splits, w two extra planes",
      {beta_param(0.05), ParamSpec::Float("alpha0", 2.0, "weight of the second-order term ‖Ew‖₁; > 0").range(1e-12, 1e12),
       ParamSpec::Float("alpha1", 1.0, "weight of the first-order term ‖∇x − w‖₁; > 0").range(1e-12, 1e12)},
      [](const Params& p) { return std::make_shared<TgvRegulariser>(p.get_float("alpha0"), p.get_float("alpha1")); });
  r.add_component<Regulariser>(
      kind, "wavelet", "Daubechies-4 wavelet L1 β Σ|detail coefficients| (periodised, coarse band free)",
      {beta_param(0.02), ParamSpec::Int("levels", 3, "decomposition levels, 1 … 16").range(1, 16),
       ParamSpec::Int("shifts", 0, "random circular shifts (union of shifted bases, β split evenly); 0: none")
           .range(0, 64),
       ParamSpec::Int("seed", 0, "seed of the random shifts").range(0, 1e15)},
      [](const Params& p) {
        return std::make_shared<WaveletRegulariser>(int(p.get_int("levels")), int(p.get_int("shifts")),
                                                    std::uint64_t(p.get_int("seed")));
      });
  r.add_component<Regulariser>(
      kind, "anatomical", "smooth anatomical prior (β/2)‖∇x − η∇g‖² towards the guide image g",
      {beta_param(0.1), ParamSpec::Float("eta", 1.0, "guide-to-image intensity factor η (after scaling); ≥ 0").range(0.0, 1e12)},
      [](const Params& p) { return std::make_shared<AnatomicalRegulariser>(p.get_float("eta")); });
  r.add_component<Regulariser>(kind, "l1", "sparsity of the image β Σ|x|", {beta_param(0.01)},
                               [](const Params&) { return std::make_shared<L1Regulariser>(); });
}

}  // namespace mirflow::ir
