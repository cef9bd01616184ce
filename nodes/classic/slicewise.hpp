#pragma once
// Runs a 2-D denoiser on every slice of an image: the classical baselines are 2-D methods.
#include <functional>

#include <mirflow/image.hpp>

#include "plane.hpp"

namespace mirflow::classic {

// Reads slice z of a CPU image (any dtype, any strides) as float64.
Plane read_plane(const Image& in, std::int64_t z = 0);

// out = a float32 image with `in`'s shape, geometry and metadata whose slice z is filter(slice z of in).
// `what` names the node in the error for a non-CPU input.
Image map_slices(const Image& in, const std::function<Plane(const Plane&)>& filter, const char* what);

}  // namespace mirflow::classic
