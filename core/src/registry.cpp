#include "mirflow/registry.hpp"

#include <algorithm>
#include <stdexcept>

namespace mirflow {

void Registry::add(NodeSpec spec, NodeFactory factory) {
  auto it = types_.find(spec.type);
  if (it != types_.end())
    throw std::runtime_error("node type '" + spec.type + "' from " + origin_ + " is already registered by " +
                             it->second.origin);
  std::string name = spec.type;
  types_.emplace(name, NodeType{std::move(spec), std::move(factory), origin_});
}

void Registry::add_component(ComponentType c) {
  if (c.kind.empty() || c.name.empty() || !c.make)
    throw std::runtime_error("a component from " + origin_ + " needs a kind, a name and a factory");
  auto key = std::make_pair(c.kind, c.name);
  auto it = components_.find(key);
  if (it != components_.end())
    throw std::runtime_error(c.kind + " component '" + c.name + "' from " + origin_ + " is already registered by " +
                             it->second.origin);
  c.origin = origin_;
  components_.emplace(std::move(key), std::move(c));
}

const ComponentType* Registry::find_component(const std::string& kind, const std::string& name) const {
  auto it = components_.find({kind, name});
  return it == components_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::component_names(const std::string& kind) const {
  std::vector<std::string> out;
  for (const auto& [key, c] : components_)
    if (key.first == kind) out.push_back(key.second);
  return out;
}

void Registry::add_command(CommandType c) {
  if (c.name.empty() || !c.run) throw std::runtime_error("a command from " + origin_ + " needs a name and a function");
  auto it = commands_.find(c.name);
  if (it != commands_.end())
    throw std::runtime_error("command '" + c.name + "' from " + origin_ + " is already registered by " + it->second.origin);
  c.origin = origin_;
  std::string name = c.name;
  commands_.emplace(std::move(name), std::move(c));
}

const CommandType* Registry::find_command(const std::string& name) const {
  auto it = commands_.find(name);
  return it == commands_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::commands() const {
  std::vector<std::string> out;
  for (const auto& [name, c] : commands_) out.push_back(name);
  return out;
}

const NodeType* Registry::find(const std::string& type) const {
  auto it = types_.find(type);
  return it == types_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::types() const {
  std::vector<std::string> out;
  for (const auto& [name, t] : types_) out.push_back(name);
  return out;
}

std::vector<std::string> Registry::nearest(const std::string& type, std::size_t n) const {
  return nearest_names(type, types(), n);
}

static std::size_t levenshtein(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> nearest_names(const std::string& word, const std::vector<std::string>& candidates,
                                       std::size_t n) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  const std::size_t limit = std::max<std::size_t>(3, word.size() / 2);
  for (const auto& c : candidates) {
    std::size_t d = levenshtein(word, c);
    // A name that contains the word (or the part after the family dot) is close too.
    auto dot = c.find('.');
    if (!word.empty() && (c.find(word) != std::string::npos ||
                          (dot != std::string::npos && word.find(c.substr(dot + 1)) != std::string::npos)))
      d = std::min<std::size_t>(d, 2);
    if (d <= limit) scored.emplace_back(d, c);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && i < n; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace mirflow
