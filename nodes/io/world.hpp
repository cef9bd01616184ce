#pragma once
// Patient coordinate conventions. DICOM positions are in LPS (x to the patient's left, y to
// posterior); NIfTI's are in RAS (x to the right, y to anterior). The two differ by the sign of
// x and y. Readers record theirs in the metadata key "world"; writers convert when the image
// comes from the other convention, so `mirflow convert` keeps anatomy in place.
#include <string>

#include <mirflow/image.hpp>

namespace mirflow::io {

inline constexpr const char* kWorldKey = "world";

// The geometry expressed in `target` ("LPS" or "RAS"), given the image's own "world" metadata
// (absent: assumed to be `target` already).
inline Geometry geometry_in_world(const Image& image, const std::string& target) {
  Geometry g = image.geometry();
  auto it = image.metadata().find(kWorldKey);
  if (it == image.metadata().end() || it->second == target) return g;
  if ((it->second == "LPS" && target == "RAS") || (it->second == "RAS" && target == "LPS")) {
    for (int r = 0; r < 2; ++r) {  // negate the x and y rows
      g.origin[static_cast<std::size_t>(r)] = -g.origin[static_cast<std::size_t>(r)];
      for (int c = 0; c < 3; ++c) g.direction[static_cast<std::size_t>(r * 3 + c)] = -g.direction[static_cast<std::size_t>(r * 3 + c)];
    }
  }
  return g;
}

}  // namespace mirflow::io
