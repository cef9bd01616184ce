#include "mirflow_gan/tiled_inference.hpp"

#include <algorithm>
#include <stdexcept>

namespace mirflow::gan {

std::vector<std::int64_t> tile_starts(std::int64_t n, std::int64_t tile, std::int64_t overlap) {
  if (tile <= overlap) throw std::invalid_argument("tile must be larger than overlap");
  if (n <= tile) return {0};
  std::vector<std::int64_t> s;
  const std::int64_t step = tile - overlap;
  for (std::int64_t p = 0;; p += step) {
    if (p + tile >= n) {
      s.push_back(n - tile);  // the last tile ends at the border (it may overlap more)
      break;
    }
    s.push_back(p);
  }
  return s;
}

namespace {
// 1-D weights of a tile of n pixels starting at `start` in an image of `size`. On a side inside the
// image the weight is 0 for the first overlap/4 pixels (where zero padding at the tile's edge
// spoils a network's output), then rises linearly to 1; on a side at the image border it is 1.
torch::Tensor ramp(std::int64_t start, std::int64_t n, std::int64_t size, std::int64_t overlap,
                   const torch::TensorOptions& opt) {
  const torch::Tensor i = torch::arange(n, opt);
  const std::int64_t margin = overlap / 4;
  const double rise = static_cast<double>(overlap - 2 * margin + 1);
  torch::Tensor w = torch::ones_like(i);
  if (start > 0) w = torch::minimum(w, ((i - margin + 1) / rise).clamp(0, 1));
  if (start + n < size) w = torch::minimum(w, ((n - i - margin) / rise).clamp(0, 1));
  return w;
}
}  // namespace

torch::Tensor run_tiled(const TensorFn& net, const torch::Tensor& x, TileOptions o) {
  const std::int64_t h = x.size(2), w = x.size(3);
  if (h <= o.tile && w <= o.tile) return net(x);
  const std::int64_t th = std::min(o.tile, h), tw = std::min(o.tile, w);
  const std::int64_t overlap = std::min({o.overlap, th - 1, tw - 1});
  const auto ys = tile_starts(h, th, overlap);
  const auto xs = tile_starts(w, tw, overlap);
  const auto opt = x.options();
  torch::Tensor sum, wsum = torch::zeros({1, 1, h, w}, opt);
  for (std::int64_t y0 : ys)
    for (std::int64_t x0 : xs) {
      const torch::Tensor weight =
          torch::outer(ramp(y0, th, h, overlap, opt), ramp(x0, tw, w, overlap, opt)).view({1, 1, th, tw});
      const torch::Tensor out = net(x.slice(2, y0, y0 + th).slice(3, x0, x0 + tw));
      if (!sum.defined()) sum = torch::zeros({x.size(0), out.size(1), h, w}, opt);
      sum.slice(2, y0, y0 + th).slice(3, x0, x0 + tw).add_(out * weight);
      wsum.slice(2, y0, y0 + th).slice(3, x0, x0 + tw).add_(weight);
    }
  return sum / wsum;
}

}  // namespace mirflow::gan
