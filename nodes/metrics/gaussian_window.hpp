#pragma once
// The Gaussian window of SSIM: scipy.ndimage.gaussian_filter in double precision with its
// 'reflect' borders (half-sample symmetric: d c b a | a b c d | d c b a), on every axis of the grid.
#include "metrics.hpp"

namespace mirflow::metrics {

Grid gaussian_smooth(const Grid& g, double sigma, double truncate);

}  // namespace mirflow::metrics
