#pragma once
// Training slices of a volume in any of the three planes. One subject seen axially, coronally and
// sagittally shows a network three times the anatomy (and three noise-free textures) that axial
// slices alone do; that matters when the training set is one subject (Colin27).
#include <array>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace mirflow::gan {

// Voxel tensors are nz×ny×nx. Axial slices are ny×nx, coronal nz×nx, sagittal nz×ny.
enum class Plane { Axial = 0, Coronal = 1, Sagittal = 2 };

// "axial", "coronal" or "sagittal"; anything else is an InputError naming the word.
Plane plane_from_name(const std::string& name);
const char* plane_name(Plane p);

struct SliceRef {
  Plane plane = Plane::Axial;
  std::int64_t index = 0;
};

// The slices of `planes` whose maximum is at least `min_value`, plane by plane in index order.
std::vector<SliceRef> content_slices(const torch::Tensor& voxels, const std::vector<Plane>& planes, double min_value);

// The slice itself (a view of `voxels`, H×W).
torch::Tensor slice_of(const torch::Tensor& voxels, SliceRef s);

// Spacing of the slice's rows and columns, from the volume's (x, y, z) spacing.
std::array<double, 2> slice_spacing(const std::array<double, 3>& spacing_xyz, Plane p);

}  // namespace mirflow::gan
