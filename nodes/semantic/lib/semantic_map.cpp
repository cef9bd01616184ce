#include "mirflow_semantic/semantic_map.hpp"

#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace mirflow::semantic {

const std::vector<std::string>& texture_names() {
  static const std::vector<std::string> names{"lesion", "edge", "texture", "homogeneous"};
  return names;
}

const char* texture_name(Texture t) { return texture_names()[static_cast<std::size_t>(t)].c_str(); }

Texture texture_from_name(const std::string& name) {
  const auto& n = texture_names();
  for (std::size_t i = 0; i < n.size(); ++i)
    if (n[i] == name) return static_cast<Texture>(i);
  throw std::invalid_argument("unknown texture class '" + name + "' (expected lesion, edge, texture or homogeneous)");
}

std::string to_json(const SemanticMap& m, int indent) {
  nlohmann::json regions = nlohmann::json::array();
  for (const Region& r : m.regions)
    regions.push_back({{"label", r.label},
                       {"box", {r.box.x0, r.box.y0, r.box.x1, r.box.y1}},
                       {"priority", r.priority},
                       {"texture", texture_name(r.texture)},
                       {"mask", !r.mask.empty()}});
  const nlohmann::json j{{"provider", m.provider}, {"confidence", m.confidence}, {"regions", regions}};
  return j.dump(indent);
}

std::vector<Region> regions_from_json(const std::string& json_text) {
  const nlohmann::json j = nlohmann::json::parse(json_text);
  std::vector<Region> out;
  for (const auto& r : j.at("regions")) {
    Region g;
    g.label = r.at("label").get<std::string>();
    const auto& b = r.at("box");
    if (!b.is_array() || b.size() != 4) throw std::invalid_argument("region box must be [x0, y0, x1, y1]");
    g.box = {b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()};
    g.priority = r.at("priority").get<double>();
    g.texture = texture_from_name(r.at("texture").get<std::string>());
    out.push_back(std::move(g));
  }
  return out;
}

void check_semantic_map(const SemanticMap& m, const std::string& where) {
  if (m.map.empty()) throw std::invalid_argument(where + ": the semantic map has no map image");
  if (m.map.dtype() != DType::F32 || m.map.device() != Device::CPU)
    throw std::invalid_argument(where + ": the map must be a float32 CPU image, got " + m.map.describe());
  for (std::int64_t z = 0; z < m.map.nz(); ++z)
    for (std::int64_t y = 0; y < m.map.ny(); ++y)
      for (std::int64_t x = 0; x < m.map.nx(); ++x) {
        const float v = m.map.at<float>(x, y, z);
        if (!(v >= 0.0f && v <= 1.0f))
          throw std::invalid_argument(where + ": map value " + std::to_string(v) + " at (" + std::to_string(x) + ", " +
                                      std::to_string(y) + ", " + std::to_string(z) + ") is outside [0, 1]");
      }
  for (const Region& r : m.regions)
    if (!(r.priority >= 0 && r.priority <= 1))
      throw std::invalid_argument(where + ": region '" + r.label + "' has priority " + std::to_string(r.priority) +
                                  " outside [0, 1]");
}

}  // namespace mirflow::semantic
