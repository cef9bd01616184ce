#include "nodes.hpp"

MIRFLOW_PLUGIN("metrics", registry) {
  registry.add<mirflow::metrics::Compare>();
  registry.add<mirflow::metrics::Segmentation>();
  registry.add<mirflow::metrics::WriteJson>();
}
