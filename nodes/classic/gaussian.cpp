#include "gaussian_filter.hpp"
#include "nodes.hpp"

namespace mirflow::classic {

// Gaussian smoothing: the simplest classical denoiser, and a baseline for the others.
Gaussian::Gaussian(const NodeConfig& c)
    : sigma_(c.params.get_float("sigma")), sigma_z_(c.params.get_float("sigma_z")),
      truncate_(c.params.get_float("truncate")) {}

NodeSpec Gaussian::spec() {
  return NodeSpec("classic.gaussian", "Gaussian smoothing (scipy.ndimage 'reflect' boundaries); output float32.")
      .input("image", kImagePort, "2-D slice or 3-D volume")
      .output("image", kImagePort, "smoothed image, float32, same geometry")
      .param(ParamSpec::Float("sigma", 1.0, "standard deviation in-plane (x and y)").range(0, 100).in_unit("pixels"))
      .param(ParamSpec::Float("sigma_z", 0.0, "standard deviation along z for volumes (0: slices independently)")
                 .range(0, 100).in_unit("pixels"))
      .param(ParamSpec::Float("truncate", 4.0, "kernel radius in standard deviations").range(0.5, 20));
}

void Gaussian::process(Context& ctx) {
  ctx.output("image", gaussian_filter(ctx.image("image"), {sigma_, sigma_, sigma_z_}, truncate_));
}

}  // namespace mirflow::classic
