#include "mirflow_physics/sinogram.hpp"

#include <mirflow/error.hpp>

namespace mirflow::physics {

void check_sinogram(const Sinogram& s, const std::string& where) {
  s.geometry.validate(where);
  if (s.data.empty()) throw InputError(where + ": the sinogram has no data");
  if (s.data.ndim() != 2 || s.data.nx() != s.geometry.bins || s.data.ny() != s.geometry.views())
    throw InputError(where + ": the sinogram data is " + s.data.describe() + " but its geometry has " +
                     std::to_string(s.geometry.views()) + " views × " + std::to_string(s.geometry.bins) +
                     " bins (expected a 2-D image with nx = bins, ny = views)");
}

}  // namespace mirflow::physics
