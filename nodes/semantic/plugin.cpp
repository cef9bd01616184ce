#include "nodes.hpp"

MIRFLOW_PLUGIN("semantic", registry) {
  registry.add<mirflow::semantic::Gemini>();
  registry.add<mirflow::semantic::Structure>();
  registry.add<mirflow::semantic::Atlas>();
}
