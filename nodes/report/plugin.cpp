// mirflow_report.so: `mirflow bench` and its capture sink (docs/bench.md).
#include <memory>

#include <mirflow/plugin.hpp>

#include "bench_command.hpp"
#include "capture.hpp"

MIRFLOW_PLUGIN("report", registry) {
  using namespace mirflow::report;
  // One collector per registry: the bench command reads what this registry's capture nodes keep.
  auto collector = std::make_shared<Collector>();
  registry.add(Capture::spec(), [collector](const mirflow::NodeConfig& c) -> std::unique_ptr<mirflow::Node> {
    return std::make_unique<Capture>(c, collector);
  });
  add_bench_command(registry, collector);
}
