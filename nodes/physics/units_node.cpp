#include "mirflow_physics/units.hpp"
#include "nodes.hpp"

namespace mirflow::physics {

Units::Units(const NodeConfig& c) : to_hu_(c.params.get_string("to") == "hu") {}

NodeSpec Units::spec() {
  return NodeSpec("physics.units",
                  "CT units: µ (1/mm) → HU or HU → µ, pixelwise, µ_water = 0.0192 /mm (HU = 1000·(µ − µ_water)/µ_water)")
      .input("image", kImagePort, "image in the other unit (any dtype)")
      .output("image", kImagePort, "float32, same geometry and metadata")
      .param(ParamSpec::Choice("to", {"hu", "mu"}, "hu", "output unit: hu (input µ) or mu (input HU)"));
}

void Units::process(Context& ctx) {
  const Image& in = ctx.image("image");
  ctx.output("image", std::any(to_hu_ ? mu_to_hu(in) : hu_to_mu(in)));
}

}  // namespace mirflow::physics
