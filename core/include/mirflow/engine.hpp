#pragma once
// The engine as front ends (CLI, Python) drive it: load plugins, read and validate a graph,
// run it. Plugins need none of this; it is not part of the plugin SDK.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mirflow/error.hpp"
#include "mirflow/registry.hpp"

namespace mirflow {

// ---- plugins -------------------------------------------------------------------------------
// Directories searched, in order: $MIRFLOW_PLUGIN_PATH (':'-separated), then, for the folder of
// the running binary and of the core library each: itself, plugins/, ../plugins,
// mirflow/plugins and ../lib/mirflow/plugins (build tree and installed layouts).
std::vector<std::filesystem::path> plugin_search_path();
// Loads every `mirflow_*.so` in the search path into `registry`. Refused plugins (wrong ABI,
// dlopen failure) are reported in registry.load_notes() and skipped.
void load_plugins(Registry& registry);
// Loads one plugin file; throws InputError naming the file and the reason when it is refused.
void load_plugin(Registry& registry, const std::filesystem::path& file);

// ---- graph files ---------------------------------------------------------------------------
struct SourcePos {
  std::string file;
  int line = 0, column = 0;
};

struct ParamDecl {
  ParamValue value;
  SourcePos pos;                  // of the value
  std::filesystem::path base_dir;  // relative paths resolve here (graph folder, or cwd for --set)
};

// One [[node.<slot>]] table: a component chosen by its `type`, with its parameters.
struct ComponentDecl {
  std::string type;
  SourcePos pos;       // of the [[node.<slot>]] table header
  SourcePos type_pos;  // of its `type` value (the table's when absent)
  std::map<std::string, ParamDecl> params;
  std::map<std::string, SourcePos> param_key_pos;
};

struct NodeDecl {
  std::string id, type;
  SourcePos pos;  // of the [[node]] table
  std::map<std::string, ParamDecl> params;
  std::map<std::string, SourcePos> param_key_pos;  // of each key, for "unknown parameter"
  std::map<std::string, std::vector<ComponentDecl>> components;  // slot -> entries, in order
  std::map<std::string, SourcePos> component_pos;                // of each slot's first table
};

struct EdgeDecl {
  std::string from_node, from_port, to_node, to_port;
  SourcePos pos;
};

struct GraphDecl {
  std::string name, description;
  std::filesystem::path file;  // absolute; relative paths in the graph resolve against its folder
  std::vector<NodeDecl> nodes;
  std::vector<EdgeDecl> edges;
  std::vector<Diagnostic> problems;  // found while reading (malformed edges...), reported by validate()
};

// Parses a TOML graph (toml++). Syntax errors throw ValidationError with file:line:column.
GraphDecl parse_graph_file(const std::filesystem::path& file);
GraphDecl parse_graph_string(const std::string& toml, const std::string& name_for_errors,
                             const std::filesystem::path& base_dir);

// Applies `node.key=value` overrides; the value is read as a TOML value (a bare word is a
// string). `node.slot[i].key=value` sets a component entry's parameter (`type` included); an
// index one past the last entry appends a new entry. Malformed overrides and unknown node ids are recorded in graph.problems and reported
// by validate() with everything else.
void apply_overrides(GraphDecl& graph, const std::vector<std::string>& overrides);

// A graph every check passed: types known, parameters typed and in range (defaults filled in,
// paths absolute), ports connected and typed, acyclic, ids unique.
struct ValidNode {
  std::string id;
  const NodeType* type = nullptr;
  Params params;
  std::map<std::string, std::vector<ComponentConfig>> components;
};
struct ValidEdge {
  int from = 0, from_port = 0, to = 0, to_port = 0;  // indices into nodes and their specs' ports
};
struct ValidGraph {
  GraphDecl decl;
  std::vector<ValidNode> nodes;
  std::vector<ValidEdge> edges;
  std::string to_dot() const;  // Graphviz, for `mirflow validate --dot`
};

// Runs every check and reports every problem at once (ValidationError).
ValidGraph validate(const GraphDecl& graph, const Registry& registry);

// ---- running -------------------------------------------------------------------------------
struct Progress {
  std::int64_t done = 0;   // work items finished
  std::int64_t total = 0;  // work items announced so far (grows as fan-outs happen)
};

struct RunOptions {
  int threads = 0;              // 0: all cores
  int max_in_flight = 0;        // items in flight per fan-out; 0: 2 × threads + 2
  std::function<void(const Progress&)> on_progress;  // called from worker threads, throttled
  // When set and it becomes true (Ctrl-C in a front end), the run is cancelled and throws
  // RunError("cancelled"). Polled every 50 ms.
  const std::atomic<bool>* cancel = nullptr;
};

struct NodeReport {
  std::string id, type;
  std::int64_t items = 0;
  double wall_seconds = 0;  // summed over the node's process() calls
  std::int64_t allocated_bytes = 0, copied_bytes = 0;
  std::vector<std::string> notes;  // the first few Context::note remarks, "item: text"
  std::int64_t notes_total = 0;    // all of them
};

struct RunReport {
  double wall_seconds = 0;
  std::vector<NodeReport> nodes;
  std::string table() const;  // the --stats table
};

// Builds the oneTBB flow graph, streams the work items and waits. Node construction errors
// throw InputError (naming the node); the first failure while running cancels the graph and
// throws RunError naming the node and the work item.
RunReport run(const ValidGraph& graph, const RunOptions& options = {});

std::string version();

}  // namespace mirflow
