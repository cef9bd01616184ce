#pragma once
// Test phantoms generated here (docs/data.md: CT work uses generated phantoms).
#include <cstdint>

#include <mirflow/image.hpp>

namespace mirflow::physics {

// The modified Shepp–Logan phantom (Toft's contrast: values 0 … 1; skimage/MATLAB
// 'Modified Shepp-Logan') on an nx×ny grid of pixel size dx×dy mm. The phantom's unit square
// [−1, 1]² is scaled to the smaller of the two field-of-view half-widths, centred; its +y
// (top of the head) is row 0, as displayed. Each pixel is the mean over oversample² sub-pixels.
Image shepp_logan(std::int64_t nx, std::int64_t ny, double dx = 1.0, double dy = 1.0, int oversample = 4);

}  // namespace mirflow::physics
