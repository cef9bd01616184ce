#pragma once
// A read-only view of float64 samples on an nx × ny × nz grid, x fastest (mirflow::Image's order):
// the currency of the numerics in this library, so that any family's buffers can be passed in.
#include <cstdint>
#include <vector>

#include <mirflow/image.hpp>

namespace mirflow::imgproc {

struct VolumeView {
  const double* v = nullptr;
  std::int64_t nx = 0, ny = 0, nz = 1;
  double operator()(std::int64_t x, std::int64_t y, std::int64_t z = 0) const {
    return v[static_cast<std::size_t>((z * ny + y) * nx + x)];
  }
  std::int64_t size() const { return nx * ny * nz; }
};

// An image's samples (any dtype, any strides, host memory) as float64 in x-fastest order.
std::vector<double> samples_of(const Image& image);

}  // namespace mirflow::imgproc
