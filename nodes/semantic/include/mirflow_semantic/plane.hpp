#pragma once
// A 2-D float plane and the separable Gaussian-family filters the offline providers use.
// Boundaries are mirrored like scipy.ndimage's mode='reflect' (d c b a | a b c d | d c b a).
#include <cstdint>
#include <vector>

#include <mirflow/image.hpp>

namespace mirflow::semantic {

struct Plane {
  std::int64_t nx = 0, ny = 0;
  std::vector<float> v;  // row-major, x fastest
  Plane() = default;
  Plane(std::int64_t w, std::int64_t h, float fill = 0) : nx(w), ny(h), v(static_cast<std::size_t>(w * h), fill) {}
  float& operator()(std::int64_t x, std::int64_t y) { return v[static_cast<std::size_t>(y * nx + x)]; }
  float operator()(std::int64_t x, std::int64_t y) const { return v[static_cast<std::size_t>(y * nx + x)]; }
};

Plane plane_of(const Image& image, std::int64_t z = 0);  // slice z of a CPU image, as float

// Correlation kernels on [-r, r], r = int(truncate·sigma + 0.5), index u + r:
//   order 0: Gaussian weights summing to 1;
//   order 1: d/dx of the Gaussian, scaled so that a ramp f(x) = x gives exactly 1;
//   order 2: d²/dx² of the Gaussian, zero-sum, scaled so that f(x) = x²/2 gives exactly 1.
std::vector<double> gaussian_kernel_1d(double sigma, int order, double truncate = 4.0);

// Filters along x with kx and along y with ky (correlation, reflect boundaries).
Plane separable(const Plane& in, const std::vector<double>& kx, const std::vector<double>& ky);

// Gaussian-smoothed partial derivative of order (ox, oy) at scale sigma.
Plane gaussian_derivative(const Plane& in, double sigma, int ox, int oy);

}  // namespace mirflow::semantic
