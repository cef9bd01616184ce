#pragma once
#include <memory>

#include <mirflow/registry.hpp>

#include "collector.hpp"

namespace mirflow::report {

// Registers `mirflow bench GRAPH [--set node.key=value]... [--out DIR] [--threads N] [--item KEY]
// [--window LO,HI] [--quiet]` (docs/bench.md).
void add_bench_command(Registry& registry, std::shared_ptr<Collector> collector);

}  // namespace mirflow::report
