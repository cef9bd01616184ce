#pragma once
// The networks work on [−1, 1]; images keep their units. Each slice is mapped by its own range:
// x̃ = 2 (x − lo) / (hi − lo) − 1 with lo, hi the slice's minimum and maximum (the same rule in
// training, on the whole noisy slice, as in inference), and mapped back after the network.
#include <torch/torch.h>

namespace mirflow::gan {

struct SliceRange {
  torch::Tensor lo, hi;  // N×1×1×1
};

// x: N×1×H×W. A constant slice gets hi = lo + 1 so that the map stays finite.
SliceRange slice_range(const torch::Tensor& x);
torch::Tensor to_unit(const torch::Tensor& x, const SliceRange& r);
torch::Tensor from_unit(const torch::Tensor& y, const SliceRange& r);

}  // namespace mirflow::gan
