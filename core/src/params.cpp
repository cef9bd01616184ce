#include "mirflow/params.hpp"

#include <sstream>
#include <stdexcept>

namespace mirflow {

const char* param_type_name(ParamType t) {
  switch (t) {
    case ParamType::Bool: return "bool";
    case ParamType::Int: return "int";
    case ParamType::Float: return "float";
    case ParamType::String: return "string";
    case ParamType::Path: return "path";
    case ParamType::Choice: return "choice";
    case ParamType::FloatList: return "float list";
  }
  return "?";
}

std::string to_string(const ParamValue& v) {
  struct V {
    std::string operator()(std::monostate) const { return "(unset)"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      std::ostringstream s;
      s << d;
      return s.str();
    }
    std::string operator()(const std::string& s) const { return "\"" + s + "\""; }
    std::string operator()(const std::vector<double>& l) const {
      std::string s = "[";
      for (std::size_t i = 0; i < l.size(); ++i) s += (i ? ", " : "") + (*this)(l[i]);
      return s + "]";
    }
  };
  return std::visit(V{}, v);
}

ParamSpec ParamSpec::Bool(std::string name, bool def, std::string doc) {
  ParamSpec p;
  p.name = std::move(name), p.type = ParamType::Bool, p.default_value = def, p.doc = std::move(doc);
  return p;
}
ParamSpec ParamSpec::Int(std::string name, std::int64_t def, std::string doc) {
  ParamSpec p;
  p.name = std::move(name), p.type = ParamType::Int, p.default_value = def, p.doc = std::move(doc);
  return p;
}
ParamSpec ParamSpec::Float(std::string name, double def, std::string doc) {
  ParamSpec p;
  p.name = std::move(name), p.type = ParamType::Float, p.default_value = def, p.doc = std::move(doc);
  return p;
}
ParamSpec ParamSpec::String(std::string name, std::string def, std::string doc) {
  ParamSpec p;
  p.name = std::move(name), p.type = ParamType::String, p.default_value = std::move(def), p.doc = std::move(doc);
  return p;
}
ParamSpec ParamSpec::Path(std::string name, std::string doc) {
  ParamSpec p;
  p.name = std::move(name), p.type = ParamType::Path, p.doc = std::move(doc);
  return p;
}
ParamSpec ParamSpec::Choice(std::string name, std::vector<std::string> choices, std::string def, std::string doc) {
  ParamSpec p;
  p.name = std::move(name), p.type = ParamType::Choice, p.choices = std::move(choices);
  p.default_value = std::move(def), p.doc = std::move(doc);
  return p;
}
ParamSpec ParamSpec::FloatList(std::string name, std::vector<double> def, std::string doc) {
  ParamSpec p;
  p.name = std::move(name), p.type = ParamType::FloatList, p.default_value = std::move(def), p.doc = std::move(doc);
  return p;
}

bool Params::has(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && !std::holds_alternative<std::monostate>(it->second);
}

const ParamValue& Params::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || std::holds_alternative<std::monostate>(it->second))
    throw std::out_of_range("parameter '" + name + "' is not set");
  return it->second;
}

bool Params::get_bool(const std::string& name) const { return std::get<bool>(at(name)); }
std::int64_t Params::get_int(const std::string& name) const { return std::get<std::int64_t>(at(name)); }
double Params::get_float(const std::string& name) const {
  const auto& v = at(name);
  if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return std::get<double>(v);
}
const std::string& Params::get_string(const std::string& name) const { return std::get<std::string>(at(name)); }
std::filesystem::path Params::get_path(const std::string& name) const { return std::get<std::string>(at(name)); }
const std::vector<double>& Params::get_floats(const std::string& name) const {
  return std::get<std::vector<double>>(at(name));
}

}  // namespace mirflow
