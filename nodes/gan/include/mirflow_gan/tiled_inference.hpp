#pragma once
// Runs a network over overlapping tiles of a large image and blends them: each tile's output is
// weighted by a separable ramp on its sides inside the image (zero over the first overlap/4
// pixels, rising to 1 over the rest of the overlap), and every pixel is the weighted mean of the
// tiles covering it. For a network whose receptive-field radius is within overlap/4 this equals
// whole-image inference; for the generator (instance norm and attention pooling see the whole
// input) it is an approximation that keeps memory bounded on large images.
#include <functional>

#include <torch/torch.h>

namespace mirflow::gan {

using TensorFn = std::function<torch::Tensor(const torch::Tensor&)>;

struct TileOptions {
  std::int64_t tile = 512;    // tile side; an image no larger runs whole
  std::int64_t overlap = 64;  // pixels shared by neighbouring tiles
};

// x: N×C×H×W; `net` maps N×C×h×w to N×C'×h×w.
torch::Tensor run_tiled(const TensorFn& net, const torch::Tensor& x, TileOptions o);

// Start offsets of tiles of side `tile` with at least `overlap` shared pixels covering [0, n).
std::vector<std::int64_t> tile_starts(std::int64_t n, std::int64_t tile, std::int64_t overlap);

}  // namespace mirflow::gan
