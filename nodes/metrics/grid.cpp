#include <mirflow/error.hpp>

#include "metrics.hpp"

namespace mirflow::metrics {

Grid Grid::plane(std::int64_t z) const {
  Grid p(nx, ny, 1, 2);
  const auto n = static_cast<std::size_t>(nx * ny);
  std::copy(v.begin() + static_cast<std::ptrdiff_t>(n * static_cast<std::size_t>(z)),
            v.begin() + static_cast<std::ptrdiff_t>(n * static_cast<std::size_t>(z + 1)), p.v.begin());
  return p;
}

Grid to_grid(const Image& image, const std::string& what) {
  if (image.empty()) throw InputError(what + " is an empty image");
  if (image.device() != Device::CPU) throw InputError(what + " must be a CPU image, got " + image.describe());
  Grid g(image.nx(), image.ny(), image.nz(), image.ndim());
  dispatch_dtype(image.dtype(), [&](auto tag) {
    using T = decltype(tag);
    std::size_t i = 0;
    for (std::int64_t z = 0; z < image.nz(); ++z)
      for (std::int64_t y = 0; y < image.ny(); ++y)
        for (std::int64_t x = 0; x < image.nx(); ++x) g.v[i++] = static_cast<double>(image.at<T>(x, y, z));
  });
  return g;
}

void check_same_shape(const Image& a, const std::string& a_name, const Image& b, const std::string& b_name) {
  if (a.ndim() != b.ndim() || a.shape() != b.shape())
    throw InputError(a_name + " (" + a.describe() + ") and " + b_name + " (" + b.describe() + ") differ in shape");
}

}  // namespace mirflow::metrics
