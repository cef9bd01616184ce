#pragma once
// The payload of ports of type "sinogram".
#include <string>

#include <mirflow/image.hpp>

#include "mirflow_physics/projection_geometry.hpp"

namespace mirflow::physics {

inline constexpr const char* kSinogramPort = "sinogram";

// A sinogram and the geometry it was measured in. `data` is a 2-D float32 image with
// nx = geometry.bins and ny = geometry.views() (row = view), values are line integrals.
struct Sinogram {
  Image data;
  ProjectionGeometry geometry;
};

// Throws InputError naming `where` when the data's shape disagrees with the geometry (or the
// geometry is invalid).
void check_sinogram(const Sinogram& s, const std::string& where);

}  // namespace mirflow::physics
