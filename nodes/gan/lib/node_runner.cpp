#include "mirflow_gan/node_runner.hpp"

#include <stdexcept>

#include <mirflow/error.hpp>

namespace mirflow::gan {

namespace {

class CaptureContext final : public Context {
 public:
  CaptureContext(std::string id, KeyPtr key, const Outputs& inputs) : id_(std::move(id)), key_(std::move(key)), in_(inputs) {}
  const std::string& node_id() const override { return id_; }
  const KeyPtr& key() const override { return key_; }
  bool has(std::string_view port) const override { return in_.count(std::string(port)) > 0; }
  const std::any& input_any(std::string_view port) const override {
    auto it = in_.find(std::string(port));
    if (it == in_.end()) throw std::runtime_error("no input '" + std::string(port) + "'");
    return it->second;
  }
  void output(std::string_view port, std::any value) override { out_[std::string(port)] = std::move(value); }
  void emit(KeyPtr, Outputs outputs) override { out_ = std::move(outputs); }
  void expand(std::vector<std::string> labels, std::function<Outputs(std::int64_t)> make) override {
    if (labels.size() != 1)
      throw std::runtime_error(id_ + " announced " + std::to_string(labels.size()) + " items, expected one");
    out_ = make(0);
  }
  Outputs take() { return std::move(out_); }

 private:
  std::string id_;
  KeyPtr key_;
  const Outputs& in_;
  Outputs out_;
};

}  // namespace

NodeRunner::NodeRunner(const Registry& registry, const std::string& type,
                       const std::map<std::string, ParamValue>& params)
    : type_(type) {
  const NodeType* t = registry.find(type);
  if (!t) throw std::runtime_error("node type '" + type + "' is not registered (is its plugin on MIRFLOW_PLUGIN_PATH?)");
  NodeConfig config;
  config.id = "train:" + type;
  for (const ParamSpec& p : t->spec.params)
    if (!std::holds_alternative<std::monostate>(p.default_value)) config.params.set(p.name, p.default_value);
  for (const auto& [name, value] : params) {
    if (!t->spec.find_param(name)) throw InputError(type + " has no parameter '" + name + "'");
    config.params.set(name, value);
  }
  for (const ComponentSlot& slot : t->spec.components) config.components[slot.name] = {};
  node_ = t->factory(config);
}

Outputs NodeRunner::run(const std::string& item, const Outputs& inputs) {
  CaptureContext ctx("train:" + type_, Key::root(item), inputs);
  node_->process(ctx);
  return ctx.take();
}

}  // namespace mirflow::gan
