#include "nodes.hpp"
#include "noise_sigma.hpp"
#include "strength.hpp"

namespace mirflow::classic {

NonLocalMeans::NonLocalMeans(const NodeConfig& c)
    : sigma_(sigma_from(c)), h_sigma_(c.params.get_float("h")), strength_(strength_from(c)) {
  base_.patch_size = static_cast<int>(c.params.get_int("patch_size"));
  base_.patch_distance = static_cast<int>(c.params.get_int("patch_distance"));
  base_.fast = c.params.get_bool("fast");
}

NodeSpec NonLocalMeans::spec() {
  return NodeSpec("classic.nlm",
                  "Non-local means (Buades et al. 2005) per slice, as skimage's denoise_nl_means; output float32.")
      .input("image", kImagePort, "2-D slice or 3-D volume, any dtype")
      .output("image", kImagePort, "denoised image, float32, same geometry")
      .param(sigma_param())
      .param(ParamSpec::Float("h", 0.8, "cut-off distance of the patch weights (0.8 suits fast, 0.6 pixelwise)")
                 .range(0, 100).in_unit("sigma"))
      .param(ParamSpec::Int("patch_size", 7, "patch side (even sizes are made odd)").range(1, 31).in_unit("pixels"))
      .param(ParamSpec::Int("patch_distance", 11, "search radius around each pixel").range(0, 64).in_unit("pixels"))
      .param(ParamSpec::Bool("fast", true, "integral-image form (Darbon 2008) instead of the pixelwise one"))
      .param(strength_param());
}

void NonLocalMeans::process(Context& ctx) {
  const Image& in = ctx.image("image");
  const double sigma = item_sigma(ctx, in, sigma_);
  ctx.output("image", denoise_slices(in, sigma, strength_, [&](const Plane& p, double f) {
    NlmOptions o = base_;
    o.sigma = sigma;
    o.h = f * h_sigma_ * sigma;
    return nl_means(p, o);
  }, "classic.nlm"));
}

}  // namespace mirflow::classic
