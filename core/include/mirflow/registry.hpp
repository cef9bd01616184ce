#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mirflow/node.hpp"

namespace mirflow {

struct NodeType {
  NodeSpec spec;
  NodeFactory factory;
  std::string origin;  // the plugin file that registered it, or "builtin"
};

// The node types known to a process: filled by plugins (and by front ends such as the Python
// bindings, which may register their own types).
class Registry {
 public:
  void add(NodeSpec spec, NodeFactory factory);
  // Registers a class with `static NodeSpec spec()` and a constructor taking `const NodeConfig&`.
  template <class N> void add() {
    add(N::spec(), [](const NodeConfig& c) -> std::unique_ptr<Node> { return std::make_unique<N>(c); });
  }
  const NodeType* find(const std::string& type) const;
  std::vector<std::string> types() const;
  // Up to `n` registered names closest to `type` (edit distance), best first.
  std::vector<std::string> nearest(const std::string& type, std::size_t n = 3) const;

  void set_origin(std::string origin) { origin_ = std::move(origin); }
  // Messages about plugins that were refused (wrong ABI, dlopen failure), kept for error hints.
  std::vector<std::string>& load_notes() { return load_notes_; }
  const std::vector<std::string>& load_notes() const { return load_notes_; }

 private:
  std::map<std::string, NodeType> types_;
  std::string origin_ = "builtin";
  std::vector<std::string> load_notes_;
};

// Names in `candidates` closest to `word`, by Levenshtein distance, best first.
std::vector<std::string> nearest_names(const std::string& word, const std::vector<std::string>& candidates,
                                       std::size_t n = 3);

}  // namespace mirflow
