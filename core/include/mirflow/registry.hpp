#pragma once
#include <map>
#include <functional>
#include <memory>
#include <typeinfo>
#include <utility>
#include <string>
#include <vector>

#include "mirflow/node.hpp"

namespace mirflow {

struct NodeType {
  NodeSpec spec;
  NodeFactory factory;
  std::string origin;  // the plugin file that registered it, or "builtin"
};

// A named, parameterised piece that nodes use through a component slot (an ADMM prior, say).
// One C++ base type per kind: `make` returns a std::shared_ptr<Base> as void.
struct ComponentType {
  std::string kind;  // "ir.prior"
  std::string name;  // "tv"
  std::string doc;   // one line
  std::vector<ParamSpec> params;
  std::function<std::shared_ptr<void>(const Params&)> make;
  std::string base;    // typeid(Base).name(); set by add_component<Base>
  std::string origin;  // the plugin file that registered it
};

// A subcommand of the CLI that a plugin provides: `mirflow <name> args...`.
struct CommandType {
  std::string name, doc;
  std::function<int(const std::vector<std::string>& args)> run;  // args after the command name
  std::string origin;
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
  // Components: `make(params)` builds a Base; use the typed form so nodes can check the type.
  void add_component(ComponentType component);
  template <class Base, class F>
  void add_component(std::string kind, std::string name, std::string doc, std::vector<ParamSpec> params, F make) {
    add_component(ComponentType{std::move(kind), std::move(name), std::move(doc), std::move(params),
                                [make](const Params& p) -> std::shared_ptr<void> {
                                  return std::static_pointer_cast<void>(std::shared_ptr<Base>(make(p)));
                                },
                                typeid(Base).name(), {}});
  }
  const ComponentType* find_component(const std::string& kind, const std::string& name) const;
  std::vector<std::string> component_names(const std::string& kind) const;

  void add_command(CommandType command);
  const CommandType* find_command(const std::string& name) const;
  std::vector<std::string> commands() const;

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
  std::map<std::pair<std::string, std::string>, ComponentType> components_;  // (kind, name)
  std::map<std::string, CommandType> commands_;
  std::string origin_ = "builtin";
  std::vector<std::string> load_notes_;
};

// Names in `candidates` closest to `word`, by Levenshtein distance, best first.
std::vector<std::string> nearest_names(const std::string& word, const std::vector<std::string>& candidates,
                                       std::size_t n = 3);

}  // namespace mirflow
