// Engine overhead per node hop and throughput, 1 and 2 threads:
//   build/bin/bench_engine            (Google Benchmark; see docs/benchmarks.md)
// PassThroughChain: 10,000 4×4 items through 10 flow.passthrough nodes (pure engine cost).
// WorkBoundChain: the same stream through 10 test.burn nodes that each spend fixed CPU per
// item, to show how the executor scales when nodes do real work.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "mirflow/engine.hpp"

using namespace mirflow;

namespace {

Registry& registry() {
  static Registry* reg = [] {
    setenv("MIRFLOW_PLUGIN_PATH", MIRFLOW_PLUGIN_DIRS, 0);
    auto* r = new Registry();
    load_plugins(*r);
    return r;
  }();
  return *reg;
}

ValidGraph chain(const std::string& type, const std::string& params, int items, int length) {
  std::string g = "[[node]]\nid = \"src\"\ntype = \"test.source\"\ncount = " + std::to_string(items) + "\n";
  std::string edges;
  std::string prev = "src";
  for (int i = 0; i < length; ++i) {
    const std::string id = std::string("n").append(std::to_string(i));
    g.append("[[node]]\nid = \"").append(id).append("\"\ntype = \"").append(type).append("\"\n").append(params);
    if (!edges.empty()) edges.append(", ");
    edges.append("\"").append(prev).append(".image -> ").append(id).append(".image\"");
    prev = id;
  }
  g += "[graph]\nedges = [" + edges + "]\n";
  return validate(parse_graph_string(g, "bench.toml", "/tmp"), registry());
}

constexpr int kItems = 10000, kLength = 10;

void run_chain(benchmark::State& state, const ValidGraph& g) {
  RunOptions opt;
  opt.threads = static_cast<int>(state.range(0));
  for (auto _ : state) run(g, opt);
  const double items = static_cast<double>(state.iterations()) * kItems;
  state.counters["items_per_s"] = benchmark::Counter(items, benchmark::Counter::kIsRate);
  // Wall time per item per hop, in µs (a hop = one node's body plus the edge into it).
  state.counters["us_per_hop"] =
      benchmark::Counter(items * kLength / 1e6, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void PassThroughChain(benchmark::State& state) {
  static ValidGraph g = chain("flow.passthrough", "", kItems, kLength);
  run_chain(state, g);
}

void WorkBoundChain(benchmark::State& state) {
  // About 40 µs of arithmetic per node per item on these machines.
  static ValidGraph g = chain("test.burn", "iterations = 20000\n", kItems, kLength);
  run_chain(state, g);
}

}  // namespace

BENCHMARK(PassThroughChain)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(WorkBoundChain)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK_MAIN();
