#include "mirflow_physics/projector.hpp"
#include "mirflow_physics/scanner_model.hpp"
#include "mirflow_physics/sinogram.hpp"
#include "mirflow_physics/units.hpp"
#include "nodes.hpp"

#include <mirflow/error.hpp>

namespace mirflow::physics {

Project::Project(const NodeConfig& config)
    : geometry_(config.params), hu_(config.params.get_string("units") == "hu") {
  scanner_.oversample = int(config.params.get_int("oversample"));
  scanner_.detector_blur = config.params.get_float("detector_blur");
}

NodeSpec Project::spec() {
  NodeSpec s("physics.project", "CT forward projection (Joseph's method): a 2-D image of µ to its sinogram of line integrals.");
  s.input("image", kImagePort, "2-D image of µ (1/mm), or HU with units = \"hu\"; pixel size from its spacing (mm)")
      .output("sinogram", kSinogramPort, "views × bins line integrals with their projection geometry");
  for (auto& p : GeometryParams::specs()) s.param(std::move(p));
  s.param(ParamSpec::Int("oversample", 1,
                         "scanner model (mirflow_physics/scanner_model.hpp): k×k sub-pixels and k sub-rays per bin, "
                         "each bin measuring −ln of its mean intensity; 1 is the reconstruction's own projector (the "
                         "inverse crime), 4 is what the CT benchmarks use")
              .range(1, 16));
  s.param(ParamSpec::Float("detector_blur", 0.0, "detector cross-talk: Gaussian σ of the intensities along the bins")
              .range(0, 100)
              .in_unit("bins"));
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
  Image p = scanner_.oversample == 1 && scanner_.detector_blur == 0 ? make_projector(g)->apply(x)
                                                                     : scanner_line_integrals(g, x, scanner_);
  Sinogram out{std::move(p), std::move(g)};
  ctx.output("sinogram", std::move(out));
}

}  // namespace mirflow::physics
