#include "nodes.hpp"

namespace mirflow::flow {

NodeSpec PassThrough::spec() {
  return NodeSpec("flow.passthrough", "Forwards its input unchanged, sharing its pixels (for tests and taps).")
      .input("image", kAnyPort, "anything")
      .output("image", kAnyPort, "the same value");
}

void PassThrough::process(Context& ctx) { ctx.output("image", ctx.input_any("image")); }

}  // namespace mirflow::flow
