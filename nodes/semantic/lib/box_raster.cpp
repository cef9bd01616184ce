#include "mirflow_semantic/box_raster.hpp"

#include <algorithm>

namespace mirflow::semantic {

double feathered(double c, double a, double b, double feather) {
  if (feather <= 0) return c >= a && c < b ? 1.0 : 0.0;
  return std::clamp((c - a) / feather + 0.5, 0.0, 1.0) * std::clamp((b - c) / feather + 0.5, 0.0, 1.0);
}

Image rasterise_regions(const std::vector<Region>& regions, std::int64_t nx, std::int64_t ny, double feather) {
  Image m = Image::allocate2d(DType::F32, nx, ny);
  for (const Region& r : regions) {
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x) {
        double w;
        if (!r.mask.empty())
          w = r.mask.value(x, y) != 0 ? 1.0 : 0.0;
        else
          w = feathered(static_cast<double>(x) + 0.5, r.box.x0, r.box.x1, feather) *
              feathered(static_cast<double>(y) + 0.5, r.box.y0, r.box.y1, feather);
        float& out = m.at<float>(x, y);
        out = std::max(out, static_cast<float>(r.priority * w));
      }
  }
  return m;
}

}  // namespace mirflow::semantic
