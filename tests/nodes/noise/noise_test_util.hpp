#pragma once
// Helpers for the noise-node tests: build a node of the loaded mirflow_noise.so with its schema's
// defaults, call it on one work item through a minimal Context, and summarise the result.
#include <any>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <mirflow/image.hpp>
#include <mirflow/key.hpp>
#include <mirflow/node.hpp>

#include "test_support.hpp"

namespace mirflow::noise_test {

// Validated-looking parameters: the schema's defaults, then `set` (names checked).
inline Params params_for(const std::string& type, const std::map<std::string, ParamValue>& set) {
  const NodeType* t = mirflow::test::registry().find(type);
  if (!t) throw std::runtime_error("node type " + type + " is not loaded (is mirflow_noise.so built?)");
  Params p;
  for (const auto& ps : t->spec.params) p.set(ps.name, ps.default_value);
  for (const auto& [k, v] : set) {
    if (!t->spec.find_param(k)) throw std::runtime_error(type + " has no parameter " + k);
    p.set(k, v);
  }
  return p;
}

// One work item's context: given inputs, captured outputs, a fixed key.
class ItemContext final : public Context {
 public:
  explicit ItemContext(KeyPtr key) : key_(std::move(key)) {}
  std::map<std::string, std::any, std::less<>> inputs;
  Outputs outputs;

  const std::string& node_id() const override { return id_; }
  const KeyPtr& key() const override { return key_; }
  bool has(std::string_view port) const override { return inputs.find(port) != inputs.end(); }
  const std::any& input_any(std::string_view port) const override {
    auto it = inputs.find(port);
    if (it == inputs.end()) throw std::logic_error("input '" + std::string(port) + "' is not connected");
    return it->second;
  }
  void output(std::string_view port, std::any value) override { outputs[std::string(port)] = std::move(value); }
  void emit(KeyPtr, Outputs) override { throw std::logic_error("noise nodes do not emit"); }
  void expand(std::vector<std::string>, std::function<Outputs(std::int64_t)>) override {
    throw std::logic_error("noise nodes do not expand");
  }

 private:
  std::string id_ = "noise";
  KeyPtr key_;
};

// Runs `type` with parameters `set` on `image` (and an optional sigma_map) under `key`.
inline Image run_node(const std::string& type, const std::map<std::string, ParamValue>& set, const Image& image,
                      KeyPtr key = Key::root("item"), const Image* sigma_map = nullptr) {
  const NodeType* t = mirflow::test::registry().find(type);
  if (!t) throw std::runtime_error("node type " + type + " is not loaded");
  auto node = t->factory(NodeConfig{"noise", params_for(type, set), {}});
  ItemContext ctx(std::move(key));
  ctx.inputs["image"] = image;
  if (sigma_map) ctx.inputs["sigma_map"] = *sigma_map;
  node->process(ctx);
  return std::any_cast<Image>(ctx.outputs.at("image"));
}

// A float32 nx×ny image filled with `value`.
inline Image constant(std::int64_t nx, std::int64_t ny, float value) {
  Image im = Image::allocate2d(DType::F32, nx, ny);
  for (std::int64_t i = 0; i < im.size(); ++i) im.data<float>()[i] = value;
  return im;
}

struct Moments {
  double mean = 0, var = 0, m2 = 0;  // mean, variance (1/n), raw second moment
  std::int64_t n = 0;
};

// Moments of the pixels of a float32 image where keep(x, y) (default: all), minus `offset`.
template <class Keep>
Moments moments(const Image& im, Keep keep, double offset = 0) {
  Moments m;
  double s = 0, s2 = 0;
  for (std::int64_t y = 0; y < im.ny(); ++y)
    for (std::int64_t x = 0; x < im.nx(); ++x) {
      if (!keep(x, y)) continue;
      const double v = static_cast<double>(im.at<float>(x, y)) - offset;
      s += v;
      s2 += v * v;
      ++m.n;
    }
  m.mean = s / static_cast<double>(m.n);
  m.m2 = s2 / static_cast<double>(m.n);
  m.var = m.m2 - m.mean * m.mean;
  return m;
}
inline Moments moments(const Image& im, double offset = 0) {
  return moments(im, [](std::int64_t, std::int64_t) { return true; }, offset);
}

inline double rel_err(double measured, double expected) { return std::abs(measured - expected) / std::abs(expected); }

}  // namespace mirflow::noise_test
