#include "mirflow_imgproc/volume_view.hpp"

namespace mirflow::imgproc {

std::vector<double> samples_of(const Image& im) {
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(im.nx() * im.ny() * im.nz()));
  for (std::int64_t z = 0; z < im.nz(); ++z)
    for (std::int64_t y = 0; y < im.ny(); ++y)
      for (std::int64_t x = 0; x < im.nx(); ++x) out.push_back(im.value(x, y, z));
  return out;
}

}  // namespace mirflow::imgproc
