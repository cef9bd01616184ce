#pragma once
// A uniform disk rasterised with sub-pixel area fractions, for the analytic chord tests.
#include <cmath>

#include "mirflow_physics/operator.hpp"

namespace mirflow::physics::ptest {

// Disk of radius r (mm) centred at (cx, cy) (mm, image frame) with value 1, each pixel the
// fraction of its o×o sub-pixel centres inside.
inline Image disk_image(const Space& s, double cx, double cy, double r, int o = 8) {
  Image im = s.allocate();
  float* p = im.data<float>();
  const double dx = s.spacing[0], dy = s.spacing[1];
  for (std::int64_t j = 0; j < s.ny; ++j)
    for (std::int64_t i = 0; i < s.nx; ++i) {
      const double x = s.origin[0] + double(i) * dx - cx, y = s.origin[1] + double(j) * dy - cy;
      if (std::abs(x) > r + dx || std::abs(y) > r + dy) continue;
      int in = 0;
      for (int b = 0; b < o; ++b)
        for (int a = 0; a < o; ++a) {
          const double xs = x + ((a + 0.5) / o - 0.5) * dx, ys = y + ((b + 0.5) / o - 0.5) * dy;
          in += xs * xs + ys * ys <= r * r;
        }
      p[j * s.nx + i] = float(in) / float(o * o);
    }
  return im;
}

// The value-weighted mean bin index of one sinogram row.
inline double centroid(const Image& sino, std::int64_t view) {
  double s = 0, w = 0;
  for (std::int64_t k = 0; k < sino.nx(); ++k) {
    s += k * double(sino.at<float>(k, view));
    w += sino.at<float>(k, view);
  }
  return s / w;
}

}  // namespace mirflow::physics::ptest
