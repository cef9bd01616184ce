#include "nodes.hpp"

MIRFLOW_PLUGIN("ir", registry) {
  registry.add<mirflow::ir::Fbp>();
  registry.add<mirflow::ir::AdmmNode>();
  registry.add<mirflow::ir::PwlsNode>();
  mirflow::ir::register_priors(registry);
}
