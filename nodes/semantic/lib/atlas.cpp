#include "mirflow_semantic/atlas.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <mirflow/error.hpp>

namespace mirflow::semantic {

std::map<std::int64_t, std::string> read_label_names(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError("cannot open the label name list " + file.string());
  std::map<std::int64_t, std::string> names;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[line.find_first_not_of(" \t")] == '#') continue;
    std::istringstream s(line);
    std::int64_t label = 0;
    std::string name;
    if (!(s >> label >> name))
      throw InputError(file.string() + ":" + std::to_string(n) + ": expected '<label> <name>', got '" + line + "'");
    names[label] = name;
  }
  return names;
}

SemanticMap atlas_map(const Image& labels, const AtlasOptions& o) {
  if (labels.device() != Device::CPU) throw std::invalid_argument("semantic.atlas needs a CPU label image, got " + labels.describe());
  SemanticMap out;
  out.map = Image::allocate(DType::F32, labels.shape(), labels.ndim());
  out.map.geometry() = labels.geometry();
  out.map.metadata() = labels.metadata();
  struct Extent {
    std::int64_t x0 = std::numeric_limits<std::int64_t>::max(), y0 = x0, x1 = -1, y1 = -1;
  };
  std::map<std::int64_t, Extent> extents;
  auto priority_of = [&](std::int64_t label) {
    const auto it = o.priorities.find(label);
    if (it != o.priorities.end()) return it->second;
    return label == 0 ? o.background_priority : o.default_priority;
  };
  for (std::int64_t z = 0; z < labels.nz(); ++z)
    for (std::int64_t y = 0; y < labels.ny(); ++y)
      for (std::int64_t x = 0; x < labels.nx(); ++x) {
        const double v = labels.value(x, y, z);
        const std::int64_t label = std::isfinite(v) ? static_cast<std::int64_t>(std::llround(v)) : 0;
        out.map.at<float>(x, y, z) = static_cast<float>(priority_of(label));
        Extent& e = extents[label];
        e.x0 = std::min(e.x0, x); e.y0 = std::min(e.y0, y);
        e.x1 = std::max(e.x1, x); e.y1 = std::max(e.y1, y);
      }
  for (const auto& [label, e] : extents) {
    const double p = priority_of(label);
    if (!(p > 0)) continue;
    Region r;
    const auto name = o.names.find(label);
    r.label = name != o.names.end() ? name->second : "label " + std::to_string(label);
    r.box = {static_cast<double>(e.x0), static_cast<double>(e.y0), static_cast<double>(e.x1 + 1), static_cast<double>(e.y1 + 1)};
    r.priority = p;
    r.texture = o.texture;
    out.regions.push_back(std::move(r));
  }
  out.provider = "atlas";
  out.confidence = 1.0;  // as good as the atlas registration, which the provider cannot judge
  return out;
}

}  // namespace mirflow::semantic
