#include "mirflow_physics/projector.hpp"
#include "mirflow_physics/sinogram.hpp"
#include "mirflow_physics/units.hpp"
#include "nodes.hpp"

#include <mirflow/error.hpp>

namespace mirflow::physics {

Project::Project(const NodeConfig& config)
    : geometry_(config.params), hu_(config.params.get_string("units") == "hu") {}

NodeSpec Project::spec() {
  NodeSpec s("physics.project", "CT forward projection (Joseph's method): a 2-D image of µ to its sinogram of line integrals.");
  s.input("image", kImagePort, "2-D image of µ (1/mm), or HU with units = \"hu\"; pixel size from its spacing (mm)")
      .output("sinogram", kSinogramPort, "views × bins line integrals with their projection geometry");
  for (auto& p : GeometryParams::specs()) s.param(std::move(p));
  s.param(ParamSpec::Choice("units", {"mu", "hu"}, "mu", "units of the input image: µ in 1/mm, or HU (µ_water = 0.0192 /mm)"));
  return s;
}

void Project::process(Context& ctx) {
  const Image& in = ctx.image("image");
  if (in.ndim() == 3 && in.nz() > 1)
    throw InputError("physics.project takes 2-D images; got " + in.describe() + " (put a flow.slice node before it)");
  const auto& sp = in.geometry().spacing;
  ProjectionGeometry g = geometry_.for_image(in.nx(), in.ny(), sp[0], sp[1], "node " + ctx.node_id());
  Image x = hu_ ? hu_to_mu(in) : in;
  if (x.ndim() == 3) x = Image::view(x.storage(), x.offset_bytes(), x.dtype(), {x.nx(), x.ny(), 1}, 2, x.strides());
  auto op = make_projector(g);
  Sinogram out{op->apply(x), std::move(g)};
  ctx.output("sinogram", std::move(out));
}

}  // namespace mirflow::physics
