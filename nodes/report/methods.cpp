#include "methods.hpp"

#include <algorithm>

#include <mirflow/error.hpp>

namespace mirflow::report {

namespace {

int index_of(const ValidGraph& g, const std::string& id) {
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].id == id) return static_cast<int>(i);
  return -1;
}

}  // namespace

std::vector<Method> find_methods(const ValidGraph& g, const std::string& graph_name) {
  std::vector<Method> methods;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    if (g.nodes[i].type->spec.type != "metrics.compare") continue;
    Method m;
    m.compare = g.nodes[i].id;
    for (const auto& e : g.edges) {
      if (e.to != static_cast<int>(i)) continue;
      const auto& from = g.nodes[static_cast<std::size_t>(e.from)];
      Source s{from.id, from.type->spec.outputs[static_cast<std::size_t>(e.from_port)].name};
      const std::string& port = g.nodes[i].type->spec.inputs[static_cast<std::size_t>(e.to_port)].name;
      if (port == "image") m.image = s;
      else if (port == "reference") m.reference = s;
      else if (port == "noisy") m.noisy = s;
    }
    methods.push_back(std::move(m));
  }
  if (methods.empty())
    throw InputError(graph_name + " has no metrics.compare node: mirflow bench compares the methods that feed "
                     "metrics.compare nodes (image: the method's output, reference: the ground truth; docs/bench.md)");
  // Label by the image source; a source compared twice (against two references) adds the compare id.
  for (auto& m : methods) {
    const auto same = std::count_if(methods.begin(), methods.end(), [&](const Method& o) { return o.image.node == m.image.node; });
    m.label = same > 1 ? m.image.node + " (" + m.compare + ")" : m.image.node;
  }
  return methods;
}

std::set<std::string> upstream(const ValidGraph& g, const std::string& node) {
  std::set<std::string> seen;
  std::vector<int> todo{index_of(g, node)};
  while (!todo.empty()) {
    const int n = todo.back();
    todo.pop_back();
    if (n < 0 || !seen.insert(g.nodes[static_cast<std::size_t>(n)].id).second) continue;
    for (const auto& e : g.edges)
      if (e.to == n) todo.push_back(e.from);
  }
  return seen;
}

std::set<std::string> charge_nodes(const ValidGraph& g, std::vector<Method>& methods) {
  std::set<std::string> common;
  if (methods.size() >= 2) {
    common = upstream(g, methods.front().image.node);
    for (const auto& m : methods) {
      const auto up = upstream(g, m.image.node);
      std::set<std::string> keep;
      std::set_intersection(common.begin(), common.end(), up.begin(), up.end(), std::inserter(keep, keep.end()));
      common.swap(keep);
    }
    // A row's own method is never shared, even when the other rows build on it (FBP, FBP + BM3D).
    for (const auto& m : methods) common.erase(m.image.node);
  }
  std::set<std::string> feeding, charged;  // every node feeding a compare node; those charged to a row
  for (auto& m : methods) {
    std::set<std::string> excluded = common;
    std::set<std::string> inputs = upstream(g, m.reference.node);
    if (m.noisy) inputs.merge(upstream(g, m.noisy->node));
    excluded.insert(inputs.begin(), inputs.end());
    feeding.insert(inputs.begin(), inputs.end());
    m.charged.clear();
    for (const auto& id : upstream(g, m.image.node)) {
      feeding.insert(id);
      if (excluded.count(id)) continue;
      m.charged.insert(id);
      charged.insert(id);
    }
  }
  std::set<std::string> shared;
  for (const auto& id : feeding)
    if (!charged.count(id)) shared.insert(id);
  return shared;
}

}  // namespace mirflow::report
