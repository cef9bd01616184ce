#pragma once
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace mirflow {

enum class ParamType { Bool, Int, Float, String, Path, Choice, FloatList };
const char* param_type_name(ParamType t);

// A parameter value as it arrives from TOML, --set or Python. monostate means "not set".
using ParamValue = std::variant<std::monostate, bool, std::int64_t, double, std::string, std::vector<double>>;
std::string to_string(const ParamValue& v);

// One entry of a node's parameter schema. The schema is data: the validator, `mirflow nodes
// --describe`, the bindings and the docs all read it.
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Float;
  ParamValue default_value;  // monostate: the parameter is required
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // for Choice
  std::string unit;
  std::string doc;

  bool required() const { return std::holds_alternative<std::monostate>(default_value) && !optional_; }

  static ParamSpec Bool(std::string name, bool def, std::string doc);
  static ParamSpec Int(std::string name, std::int64_t def, std::string doc);
  static ParamSpec Float(std::string name, double def, std::string doc);
  static ParamSpec String(std::string name, std::string def, std::string doc);
  static ParamSpec Path(std::string name, std::string doc);  // required
  static ParamSpec Choice(std::string name, std::vector<std::string> choices, std::string def, std::string doc);
  static ParamSpec FloatList(std::string name, std::vector<double> def, std::string doc);
  ParamSpec& range(double lo, double hi) { min = lo; max = hi; return *this; }
  ParamSpec& in_unit(std::string u) { unit = std::move(u); return *this; }
  ParamSpec& optional() { default_value = std::monostate{}; optional_ = true; return *this; }
  bool is_optional() const { return optional_; }

 private:
  bool optional_ = false;  // may stay unset without being an error
};

// Validated parameter values of one node (defaults filled in, paths absolute).
class Params {
 public:
  void set(const std::string& name, ParamValue v) { values_[name] = std::move(v); }
  bool has(const std::string& name) const;
  bool get_bool(const std::string& name) const;
  std::int64_t get_int(const std::string& name) const;
  double get_float(const std::string& name) const;
  const std::string& get_string(const std::string& name) const;
  std::filesystem::path get_path(const std::string& name) const;
  const std::vector<double>& get_floats(const std::string& name) const;
  const std::map<std::string, ParamValue>& values() const { return values_; }

 private:
  const ParamValue& at(const std::string& name) const;
  std::map<std::string, ParamValue> values_;
};

}  // namespace mirflow
