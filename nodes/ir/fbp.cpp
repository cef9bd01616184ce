#include "mirflow_physics/units.hpp"
#include "nodes.hpp"

namespace mirflow::ir {

Fbp::Fbp(const NodeConfig& c) : hu_(c.params.get_string("units") == "hu") {
  options_.filter = physics::fbp_filter_from_name(c.params.get_string("filter"));
  options_.cutoff = c.params.get_float("cutoff");
  if (c.params.has("nx")) options_.nx = c.params.get_int("nx");
  if (c.params.has("ny")) options_.ny = c.params.get_int("ny");
  if (c.params.has("pixel_size")) options_.dx = options_.dy = c.params.get_float("pixel_size");
}

NodeSpec Fbp::spec() {
  return NodeSpec("ir.fbp", "Filtered back-projection (parallel beam; fan beam with arc or flat detector, cosine-weighted).")
      .input("sinogram", physics::kSinogramPort, "line integrals with their projection geometry")
      .output("image", kImagePort, "reconstruction, float32, centred on the isocentre")
      .param(ParamSpec::Choice("filter", {"ramp", "shepp-logan", "cosine", "hann"}, "ramp",
                               "window on the ramp filter (frequency domain, zero padding to a power of two ≥ 2·bins)"))
      .param(ParamSpec::Float("cutoff", 1.0, "highest frequency kept, as a fraction of Nyquist (the window is stretched to it)")
                 .range(1e-3, 1.0))
      .param(ParamSpec::Int("nx", 0, "output width (default: the geometry's image)").range(1, 65536).in_unit("pixels").optional())
      .param(ParamSpec::Int("ny", 0, "output height (default: the geometry's image)").range(1, 65536).in_unit("pixels").optional())
      .param(ParamSpec::Float("pixel_size", 0.0, "output pixel size, both axes (default: the geometry's)").range(1e-6, 1e6)
                 .in_unit("mm").optional())
      .param(ParamSpec::Choice("units", {"mu", "hu"}, "mu", "output units: µ in 1/mm, or HU (µ_water = 0.0192 /mm)"));
}

void Fbp::process(Context& ctx) {
  const auto& s = ctx.input<physics::Sinogram>("sinogram");
  physics::check_sinogram(s, "node " + ctx.node_id());
  Image out = physics::fbp(s, options_);
  ctx.output("image", hu_ ? physics::mu_to_hu(out) : out);
}

}  // namespace mirflow::ir
