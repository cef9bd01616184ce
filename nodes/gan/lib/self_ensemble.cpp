#include "mirflow_gan/self_ensemble.hpp"

#include <mirflow/error.hpp>

namespace mirflow::gan {

namespace {

// Symmetry k of an N×C×H×W tensor: bit 0 flips x, bit 1 flips y, bit 2 transposes (first).
// Flips are their own inverses; the inverse of "transpose, then flip" is "flip, then transpose".
torch::Tensor forward_symmetry(torch::Tensor x, int k) {
  if (k & 4) x = x.transpose(2, 3);
  std::vector<std::int64_t> dims;
  if (k & 1) dims.push_back(3);
  if (k & 2) dims.push_back(2);
  return dims.empty() ? x : x.flip(dims);
}

torch::Tensor inverse_symmetry(torch::Tensor y, int k) {
  std::vector<std::int64_t> dims;
  if (k & 1) dims.push_back(3);
  if (k & 2) dims.push_back(2);
  if (!dims.empty()) y = y.flip(dims);
  return (k & 4) ? y.transpose(2, 3) : y;
}

}  // namespace

TensorFn self_ensemble(TensorFn net, int n) {
  if (n != 1 && n != 2 && n != 4 && n != 8)
    throw InputError("self-ensemble size must be 1, 2, 4 or 8, got " + std::to_string(n));
  if (n == 1) return net;
  return [net = std::move(net), n](const torch::Tensor& x) {
    torch::Tensor sum;
    for (int k = 0; k < n; ++k) {
      const torch::Tensor y = inverse_symmetry(net(forward_symmetry(x, k).contiguous()), k);
      sum = k == 0 ? y.clone() : sum.add_(y);
    }
    return sum.div_(n).contiguous();
  };
}

}  // namespace mirflow::gan
