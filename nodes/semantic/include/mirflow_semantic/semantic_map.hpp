#pragma once
// The payload of ports of type "semantic": what must be preserved in an image, and where.
// Every provider (semantic.gemini, semantic.structure, semantic.atlas) produces one.
#include <string>
#include <vector>

#include <mirflow/image.hpp>

namespace mirflow::semantic {

inline constexpr const char* kSemanticPort = "semantic";

// What kind of content a region holds; it decides how a region is treated downstream.
enum class Texture { Lesion, Edge, Texture, Homogeneous };
const char* texture_name(Texture t);          // "lesion", "edge", "texture", "homogeneous"
Texture texture_from_name(const std::string& name);  // throws std::invalid_argument
const std::vector<std::string>& texture_names();

// A box in pixel coordinates of the map: x along columns, y along rows, edges (not centres),
// so the box [0, nx) × [0, ny) covers the whole image. Half-open: x0 <= x < x1.
struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

struct Region {
  std::string label;      // "lesion", "left caudate", ...
  Box box;                // where it is (for a mask, the mask's bounding box)
  Image mask;             // optional: a uint8 image of the map's shape, non-zero inside; empty if none
  double priority = 0;    // 0..1: how strongly it must be preserved
  Texture texture = Texture::Homogeneous;
};

struct SemanticMap {
  Image map;                    // M: float32 in [0, 1], the input's shape and geometry
  std::vector<Region> regions;  // may be empty (M alone carries the information)
  std::string provider;         // "gemini:<model>", "structure", "atlas", "structure (fallback: ...)"
  double confidence = 0;        // 0..1, the provider's own trust in the map (see docs/semantic.md)
};

// {"provider": ..., "confidence": ..., "regions": [{"label", "box": [x0, y0, x1, y1], "priority",
// "texture", "mask": true|false}]} — masks themselves are not serialised (they are images).
std::string to_json(const SemanticMap& m, int indent = -1);
// Regions back from the "regions" array of to_json's text (masks come back empty).
std::vector<Region> regions_from_json(const std::string& json_text);

// Throws std::invalid_argument naming `where` when M is not float32, holds a value outside
// [0, 1] or NaN, or a region's priority is outside [0, 1].
void check_semantic_map(const SemanticMap& m, const std::string& where);

}  // namespace mirflow::semantic
