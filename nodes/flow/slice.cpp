#include <string>

#include "nodes.hpp"

namespace mirflow::flow {

NodeSpec Slice::spec() {
  return NodeSpec("flow.slice", "Splits a volume into one work item per slice (views; a 2-D image passes as one slice).")
      .input("volume", kImagePort, "a 3-D volume (or a 2-D image)")
      .output("slice", kImagePort, "slice z, keyed z=<index>, geometry moved to that slice");
}

void Slice::process(Context& ctx) {
  const Image volume = ctx.image_any_components("volume");
  const std::int64_t nz = volume.ndim() == 3 ? volume.nz() : 1;
  std::vector<std::string> labels;
  labels.reserve(static_cast<std::size_t>(nz));
  for (std::int64_t z = 0; z < nz; ++z) labels.push_back("z=" + std::to_string(z));
  ctx.expand(std::move(labels), [volume](std::int64_t z) -> Outputs {
    return {{"slice", std::any(volume.ndim() == 3 ? volume.slice(z) : volume)}};
  });
}

}  // namespace mirflow::flow
