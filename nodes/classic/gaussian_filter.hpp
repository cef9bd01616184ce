#pragma once
#include <vector>

#include <mirflow/image.hpp>

namespace mirflow::classic {

// Normalised 1-D Gaussian weights over [-r, r] with r = int(truncate·sigma + 0.5).
std::vector<double> gaussian_kernel(double sigma, double truncate);

// Separable Gaussian smoothing of a CPU image into a new float32 image, boundaries mirrored
// as scipy.ndimage's mode='reflect' (d c b a | a b c d | d c b a). sigma is per axis, in
// pixels; an axis with sigma 0 is left alone.
Image gaussian_filter(const Image& in, const std::array<double, 3>& sigma, double truncate = 4.0);

}  // namespace mirflow::classic
