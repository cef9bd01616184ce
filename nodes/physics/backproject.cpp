#include "mirflow_physics/projector.hpp"
#include "mirflow_physics/sinogram.hpp"
#include "nodes.hpp"

namespace mirflow::physics {

NodeSpec Backproject::spec() {
  return NodeSpec("physics.backproject",
                  "Exact adjoint of physics.project (Aᵀ, unfiltered: a blurred image, not a reconstruction; see ir.fbp).")
      .input("sinogram", kSinogramPort, "views × bins sinogram with its geometry")
      .output("image", kImagePort, "Aᵀ·sinogram on the geometry's image grid, float32 (mm·value)");
}

void Backproject::process(Context& ctx) {
  const Sinogram& s = ctx.input<Sinogram>("sinogram");
  check_sinogram(s, "node " + ctx.node_id());
  ctx.output("image", make_projector(s.geometry)->adjoint(s.data));
}

}  // namespace mirflow::physics
