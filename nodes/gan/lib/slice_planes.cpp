#include "mirflow_gan/slice_planes.hpp"

#include <mirflow/error.hpp>

namespace mirflow::gan {

Plane plane_from_name(const std::string& name) {
  if (name == "axial") return Plane::Axial;
  if (name == "coronal") return Plane::Coronal;
  if (name == "sagittal") return Plane::Sagittal;
  throw InputError("unknown slice plane '" + name + "' (expected axial, coronal or sagittal)");
}

const char* plane_name(Plane p) {
  switch (p) {
    case Plane::Axial: return "axial";
    case Plane::Coronal: return "coronal";
    case Plane::Sagittal: return "sagittal";
  }
  return "?";
}

std::vector<SliceRef> content_slices(const torch::Tensor& voxels, const std::vector<Plane>& planes, double min_value) {
  std::vector<SliceRef> out;
  for (Plane p : planes) {
    const auto dim = static_cast<std::int64_t>(p);
    // Maximum over the other two dimensions, for every index along `dim`.
    const torch::Tensor m = voxels.movedim(dim, 0).flatten(1).amax(1);
    for (std::int64_t i = 0; i < m.size(0); ++i)
      if (m[i].item<double>() >= min_value) out.push_back({p, i});
  }
  return out;
}

torch::Tensor slice_of(const torch::Tensor& voxels, SliceRef s) {
  return voxels.select(static_cast<std::int64_t>(s.plane), s.index);
}

std::array<double, 2> slice_spacing(const std::array<double, 3>& spacing_xyz, Plane p) {
  const double sx = spacing_xyz[0], sy = spacing_xyz[1], sz = spacing_xyz[2];
  switch (p) {
    case Plane::Axial: return {sy, sx};
    case Plane::Coronal: return {sz, sx};
    case Plane::Sagittal: return {sz, sy};
  }
  return {sy, sx};
}

}  // namespace mirflow::gan
