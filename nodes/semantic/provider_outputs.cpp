#include <mirflow/error.hpp>

#include "nodes.hpp"

namespace mirflow::semantic {

NodeSpec& provider_outputs(NodeSpec& spec) {
  return spec.output("semantic", kSemanticPort, "the semantic map: M, regions, provider and confidence")
      .output("map", kImagePort, "M alone: float32 in [0, 1], the input's shape and geometry (for fusion, ir.admm's beta_map)")
      .output("regions", kJsonPort, "provider, confidence and regions as JSON (box in pixels [x0, y0, x1, y1])");
}

void set_provider_outputs(Context& ctx, SemanticMap map) {
  check_semantic_map(map, "node " + ctx.node_id());
  ctx.output("map", map.map);
  ctx.output("regions", to_json(map));
  ctx.output("semantic", std::move(map));
}

}  // namespace mirflow::semantic
