#include "mirflow_gan/attention.hpp"

#include <algorithm>

namespace mirflow::gan {

namespace nn = torch::nn;

namespace {
torch::Tensor lrelu(const torch::Tensor& x) { return torch::leaky_relu(x, 0.2); }
nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t k) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).padding(k / 2));
}
}  // namespace

ConvNormActImpl::ConvNormActImpl(std::int64_t in, std::int64_t out) {
  conv = register_module("conv", nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)));
  norm = register_module("norm", nn::InstanceNorm2d(nn::InstanceNorm2dOptions(out).affine(true)));
}
torch::Tensor ConvNormActImpl::forward(const torch::Tensor& x) { return lrelu(norm(conv(x))); }

ChannelAttentionImpl::ChannelAttentionImpl(std::int64_t channels) {
  const std::int64_t hidden = std::max<std::int64_t>(channels / 4, 2);
  squeeze = register_module("squeeze", conv(channels, hidden, 1));
  excite = register_module("excite", conv(hidden, channels, 1));
}
torch::Tensor ChannelAttentionImpl::forward(const torch::Tensor& x) {
  const torch::Tensor avg = x.mean({2, 3}, true);
  const torch::Tensor max = x.amax({2, 3}, true);
  return torch::sigmoid(excite(torch::relu(squeeze(avg))) + excite(torch::relu(squeeze(max))));
}

SpatialAttentionImpl::SpatialAttentionImpl() { conv = register_module("conv", gan::conv(2, 1, 7)); }
torch::Tensor SpatialAttentionImpl::forward(const torch::Tensor& x) {
  return torch::sigmoid(conv(torch::cat({x.mean(1, true), x.amax(1, true)}, 1)));
}

ResidualAttentionImpl::ResidualAttentionImpl(std::int64_t channels) {
  body = register_module("body", ConvNormAct(channels, channels));
  out = register_module("out", conv(channels, channels, 3));
  channel = register_module("channel", ChannelAttention(channels));
  spatial = register_module("spatial", SpatialAttention());
}
torch::Tensor ResidualAttentionImpl::forward(const torch::Tensor& x) {
  torch::Tensor r = out(body(x));
  r = r * channel(r);
  r = r * spatial(r);
  return x + r;
}

DenseLevelImpl::DenseLevelImpl(std::int64_t in, std::int64_t out) {
  first = register_module("first", ConvNormAct(in, out));
  second = register_module("second", ConvNormAct(in + out, out));
  fuse = register_module("fuse", conv(in + 2 * out, out, 1));
  attention = register_module("attention", ResidualAttention(out));
}
torch::Tensor DenseLevelImpl::forward(const torch::Tensor& x) {
  const torch::Tensor f1 = first(x);
  const torch::Tensor f2 = second(torch::cat({x, f1}, 1));
  return attention(fuse(torch::cat({x, f1, f2}, 1)));
}

}  // namespace mirflow::gan
