#include "slicewise.hpp"

#include <mirflow/error.hpp>

namespace mirflow::classic {

Plane read_plane(const Image& in, std::int64_t z) {
  Plane p(in.nx(), in.ny());
  for (std::int64_t y = 0; y < in.ny(); ++y)
    for (std::int64_t x = 0; x < in.nx(); ++x) p(x, y) = in.value(x, y, z);
  return p;
}

Image map_slices(const Image& in, const std::function<Plane(const Plane&)>& filter, const char* what) {
  if (in.device() != Device::CPU) throw InputError(std::string(what) + " needs a CPU image, got " + in.describe());
  Image out = Image::allocate(DType::F32, in.shape(), in.ndim());
  out.geometry() = in.geometry();
  out.metadata() = in.metadata();
  for (std::int64_t z = 0; z < in.nz(); ++z) {
    const Plane r = filter(read_plane(in, z));
    for (std::int64_t y = 0; y < in.ny(); ++y)
      for (std::int64_t x = 0; x < in.nx(); ++x) out.at<float>(x, y, z) = static_cast<float>(r(x, y));
  }
  return out;
}

}  // namespace mirflow::classic
