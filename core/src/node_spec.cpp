#include "mirflow/node.hpp"

namespace mirflow {

NodeSpec& NodeSpec::input(std::string name, std::string port_type, std::string port_doc, bool required) {
  inputs.push_back({std::move(name), std::move(port_type), required, std::move(port_doc)});
  return *this;
}

NodeSpec& NodeSpec::output(std::string name, std::string port_type, std::string port_doc) {
  outputs.push_back({std::move(name), std::move(port_type), true, std::move(port_doc)});
  return *this;
}

NodeSpec& NodeSpec::param(ParamSpec p) {
  params.push_back(std::move(p));
  return *this;
}

NodeSpec& NodeSpec::component(std::string slot, std::string kind, std::string slot_doc) {
  components.push_back({std::move(slot), std::move(kind), std::move(slot_doc)});
  return *this;
}

const ComponentSlot* NodeSpec::find_component(std::string_view slot) const {
  for (const auto& c : components)
    if (c.name == slot) return &c;
  return nullptr;
}

const ParamSpec* NodeSpec::find_param(std::string_view name) const {
  for (const auto& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

int NodeSpec::input_index(std::string_view name) const {
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].name == name) return static_cast<int>(i);
  return -1;
}

int NodeSpec::output_index(std::string_view name) const {
  for (std::size_t i = 0; i < outputs.size(); ++i)
    if (outputs[i].name == name) return static_cast<int>(i);
  return -1;
}

}  // namespace mirflow
