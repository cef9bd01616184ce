#pragma once
// The ir node family: image reconstruction from measurements.
#include <mirflow/plugin.hpp>

#include "mirflow_physics/fbp.hpp"

namespace mirflow::ir {

// Sinogram → image by filtered back-projection (parallel and fan beam).
class Fbp final : public Node {
 public:
  explicit Fbp(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  physics::FbpOptions options_;
  bool hu_;
};

}  // namespace mirflow::ir
