// The fusion node family: fusion.semantic (blend two reconstructions by M) and fusion.beta_map
// (M → a per-pixel regularisation weight for ir.admm). Arithmetic in blend.hpp.
#include <mirflow/error.hpp>
#include <mirflow/plugin.hpp>

#include "blend.hpp"

namespace mirflow::fusion {

class Semantic final : public Node {
 public:
  explicit Semantic(const NodeConfig& c) : attention_(c.params.get_string("mode") == "attention") {
    a_.sigma = c.params.get_float("attention_sigma");
    a_.strength = c.params.get_float("attention_strength");
    a_.kappa = c.params.has("kappa") ? c.params.get_float("kappa") : -1;
  }

  static NodeSpec spec() {
    return NodeSpec("fusion.semantic", "x = M·detail + (1 − M)·smooth, M from a semantic provider (optionally attention-modulated).")
        .input("detail", kImagePort, "the detail-preserving reconstruction (e.g. the GAN output)")
        .input("smooth", kImagePort, "the smooth reconstruction (e.g. ADMM-IR), same shape")
        .input("map", kImagePort, "M in [0, 1], same shape (a provider's 'map' output)")
        .output("image", kImagePort, "the blend, float32, detail's geometry and metadata")
        .output("weight", kImagePort, "the weight actually used (M, or M_eff with attention), float32")
        .param(ParamSpec::Choice("mode", {"linear", "attention"}, "linear",
                                 "linear: M as given; attention: M·((1 − s) + s·e/(e + κ²)), e the local energy of detail − smooth"))
        .param(ParamSpec::Float("attention_sigma", 2.0, "Gaussian window of the local energy e").range(0.3, 100).in_unit("pixels"))
        .param(ParamSpec::Float("attention_strength", 0.5, "s: how far attention may lower M").range(0, 1))
        .param(ParamSpec::Float("kappa", 0.0, "energy scale κ in image units (unset: the median of √e)").range(0, 1e30).optional());
  }

  void process(Context& ctx) override {
    const Image& detail = ctx.image("detail");
    const Image& smooth = ctx.image("smooth");
    const Image& map = ctx.image("map");
    try {
      check_inputs(detail, smooth, map);
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
    const Image weight = attention_ ? attention_weight(detail, smooth, map, a_) : map.astype(DType::F32);
    ctx.output("image", blend(detail, smooth, weight));
    ctx.output("weight", weight);
  }

 private:
  bool attention_;
  Attention a_;
};

class BetaMap final : public Node {
 public:
  explicit BetaMap(const NodeConfig& c) : b_min_(c.params.get_float("b_min")), scale_(c.params.get_float("scale")) {}

  static NodeSpec spec() {
    return NodeSpec("fusion.beta_map", "β map for ir.admm from M: scale·(b_min + (1 − M)(1 − b_min)); less regularisation where M is high.")
        .input("map", kImagePort, "M in [0, 1]")
        .output("beta", kImagePort, "per-pixel regularisation weight, float32, M's geometry")
        .param(ParamSpec::Float("b_min", 0.2, "weight where M = 1 (relative to scale)").range(0, 1))
        .param(ParamSpec::Float("scale", 1.0, "weight where M = 0").range(0, 1e30));
  }

  void process(Context& ctx) override {
    const Image& map = ctx.image("map");
    if (map.device() != Device::CPU) throw InputError("fusion.beta_map needs a CPU image, got " + map.describe());
    try {
      ctx.output("beta", beta_from_map(map, b_min_, scale_));
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
  }

 private:
  double b_min_, scale_;
};

}  // namespace mirflow::fusion

MIRFLOW_PLUGIN("fusion", registry) {
  registry.add<mirflow::fusion::Semantic>();
  registry.add<mirflow::fusion::BetaMap>();
}
