#include "mirflow_gan/generator.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace mirflow::gan {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

GeneratorImpl::GeneratorImpl(GeneratorOptions o) : o_(o) {
  if (o.width < 1 || o.levels < 1 || o.levels > 8)
    throw std::invalid_argument("generator: width must be >= 1 and levels in [1, 8]");
  for (std::int64_t l = 0; l <= o.levels; ++l)
    encoder_.push_back(register_module("enc" + std::to_string(l), DenseLevel(l == 0 ? 1 : channels(l - 1), channels(l))));
  decoder_.resize(o.levels, nullptr);
  up_.resize(o.levels, nullptr);
  aggregate_.resize(o.levels);
  for (std::int64_t l = o.levels - 1; l >= 0; --l) {
    const std::string s = std::to_string(l);
    up_[l] = register_module("up" + s, nn::Conv2d(nn::Conv2dOptions(channels(l + 1), channels(l), 3).padding(1)));
    for (std::int64_t k = 0; k < l; ++k)
      aggregate_[l].push_back(register_module("agg" + s + "_" + std::to_string(k),
                                              nn::Conv2d(nn::Conv2dOptions(channels(k), o.width, 1))));
    decoder_[l] = register_module("dec" + s, DenseLevel(2 * channels(l) + l * o.width, channels(l)));
  }
  head_ = register_module("head", nn::Conv2d(nn::Conv2dOptions(channels(0), 1, 1)));
}

std::int64_t GeneratorImpl::channels(std::int64_t level) const {
  return o_.width << std::min<std::int64_t>(level, 3);
}

torch::Tensor GeneratorImpl::forward(const torch::Tensor& x) {
  if (x.dim() != 4 || x.size(1) != 1)
    throw std::invalid_argument("generator: expected N×1×H×W, got " + std::to_string(x.dim()) + " dimensions");
  const std::int64_t m = std::int64_t{1} << o_.levels;
  const std::int64_t h = x.size(2), w = x.size(3);
  const std::int64_t ph = (m - h % m) % m, pw = (m - w % m) % m;
  if (ph == 0 && pw == 0) return forward_padded(x);
  const torch::Tensor padded = F::pad(x, F::PadFuncOptions({0, pw, 0, ph}).mode(torch::kReplicate));
  return forward_padded(padded).slice(2, 0, h).slice(3, 0, w);
}

torch::Tensor GeneratorImpl::forward_padded(const torch::Tensor& x) {
  std::vector<torch::Tensor> enc;
  torch::Tensor t = x;
  for (std::int64_t l = 0; l <= o_.levels; ++l) {
    if (l > 0) t = torch::max_pool2d(t, 2);
    t = encoder_[l](t);
    enc.push_back(t);
  }
  torch::Tensor d = enc[o_.levels];
  for (std::int64_t l = o_.levels - 1; l >= 0; --l) {
    const torch::Tensor& skip = enc[l];
    torch::Tensor up = torch::upsample_nearest2d(d, {skip.size(2), skip.size(3)});
    std::vector<torch::Tensor> parts{torch::leaky_relu(up_[l](up), 0.2), skip};
    for (std::int64_t k = 0; k < l; ++k) {
      const std::int64_t f = std::int64_t{1} << (l - k);
      parts.push_back(aggregate_[l][k](torch::max_pool2d(enc[k], f)));
    }
    d = decoder_[l](torch::cat(parts, 1));
  }
  // 1 − 1e-3 keeps atanh finite; a pixel at exactly ±1 maps back within 1e-3 of itself.
  const torch::Tensor base = torch::atanh(x.clamp(-1 + 1e-3, 1 - 1e-3));
  return torch::tanh(head_(d) + base);
}

void copy_weights(torch::nn::Module& to, const torch::nn::Module& from) {
  torch::NoGradGuard no_grad;
  auto dst = to.named_parameters(true), src = from.named_parameters(true);
  for (auto& p : dst) p.value().copy_(src[p.key()]);
  auto dbuf = to.named_buffers(true), sbuf = from.named_buffers(true);
  for (auto& b : dbuf) b.value().copy_(sbuf[b.key()]);
}

}  // namespace mirflow::gan
