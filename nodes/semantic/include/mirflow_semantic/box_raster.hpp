#pragma once
// Regions drawn into a preservation map: boxes with feathered (linearly ramped) edges.
#include <vector>

#include "mirflow_semantic/semantic_map.hpp"

namespace mirflow::semantic {

// The weight of pixel centre c (= index + 0.5) for the interval [a, b) feathered over F pixels:
//   clamp((c − a)/F + ½, 0, 1) · clamp((b − c)/F + ½, 0, 1),
// 1 well inside, ½ on an edge, 0 beyond F/2 outside; F = 0 gives the hard indicator.
double feathered(double c, double a, double b, double feather);

// M(x, y) = max over regions of priority · w_x · w_y (a region with a mask uses priority inside
// the mask instead), written into a new float32 image nx × ny. Overlaps take the maximum, so M
// stays in [0, 1].
Image rasterise_regions(const std::vector<Region>& regions, std::int64_t nx, std::int64_t ny, double feather);

}  // namespace mirflow::semantic
