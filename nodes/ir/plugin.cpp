#include "nodes.hpp"

MIRFLOW_PLUGIN("ir", registry) { registry.add<mirflow::ir::Fbp>(); }
