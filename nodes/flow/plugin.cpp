#include "nodes.hpp"

MIRFLOW_PLUGIN("flow", registry) {
  registry.add<mirflow::flow::PassThrough>();
  registry.add<mirflow::flow::Slice>();
  registry.add<mirflow::flow::Stack>();
}
