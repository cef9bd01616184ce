#include "nodes.hpp"
#include "noise_sigma.hpp"
#include "strength.hpp"
#include "tv_chambolle.hpp"

namespace mirflow::classic {

TotalVariation::TotalVariation(const NodeConfig& c)
    : sigma_(sigma_from(c)), weight_sigma_(c.params.get_float("weight")), eps_(c.params.get_float("eps")),
      max_iter_(static_cast<int>(c.params.get_int("max_iter"))), strength_(strength_from(c)) {}

NodeSpec TotalVariation::spec() {
  return NodeSpec("classic.tv",
                  "Total-variation denoising, Chambolle's projection (2004), as skimage's denoise_tv_chambolle; "
                  "output float32.")
      .input("image", kImagePort, "2-D slice or 3-D volume, any dtype")
      .output("image", kImagePort, "denoised image, float32, same geometry")
      .param(sigma_param())
      .param(ParamSpec::Float("weight", 0.9, "ROF weight λ in min TV(u) + |u - f|^2 / (2 λ)")
                 .range(0, 1000).in_unit("sigma"))
      .param(ParamSpec::Float("eps", 2e-4, "stop when the energy changes by less than eps times the first one")
                 .range(0, 1))
      .param(ParamSpec::Int("max_iter", 200, "most iterations").range(1, 100000))
      .param(strength_param());
}

void TotalVariation::process(Context& ctx) {
  const Image& in = ctx.image("image");
  const double sigma = item_sigma(ctx, in, sigma_);
  ctx.output("image", denoise_slices(in, sigma, strength_, [&](const Plane& p, double f) {
    return tv_chambolle(p, f * weight_sigma_ * sigma, eps_, max_iter_);
  }, "classic.tv"));
}

}  // namespace mirflow::classic
