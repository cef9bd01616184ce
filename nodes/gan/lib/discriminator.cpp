#include "mirflow_gan/discriminator.hpp"

#include <string>

namespace mirflow::gan {

torch::Tensor CriticOutput::score() const {
  torch::Tensor s = maps[0].mean({1, 2, 3});
  for (std::size_t i = 1; i < maps.size(); ++i) s = s + maps[i].mean({1, 2, 3});
  return s;
}

DiscriminatorImpl::DiscriminatorImpl(DiscriminatorOptions o) {
  const std::int64_t w = o.width;
  const std::int64_t ch[6] = {1, w, 2 * w, 4 * w, 8 * w, 1};
  for (int i = 0; i < 5; ++i) {
    const bool last = i == 4;
    body_.push_back(register_module("conv" + std::to_string(i),
                                    SNConv2d(SNConv2dOptions{ch[i], ch[i + 1], last ? 3 : 4, last ? 1 : 2, 1})));
  }
  head2_ = register_module("head2", SNConv2d(SNConv2dOptions{2 * w, 1, 3, 1, 1}));
  head3_ = register_module("head3", SNConv2d(SNConv2dOptions{4 * w, 1, 3, 1, 1}));
}

CriticOutput DiscriminatorImpl::forward(const torch::Tensor& x) {
  CriticOutput out;
  torch::Tensor t = x;
  for (std::size_t i = 0; i + 1 < body_.size(); ++i) {
    t = torch::leaky_relu(body_[i](t), 0.2);
    out.features.push_back(t);
  }
  out.maps.push_back(body_.back()(t));
  out.maps.push_back(head2_(out.features[1]));
  out.maps.push_back(head3_(out.features[2]));
  return out;
}

std::vector<SNConv2d> DiscriminatorImpl::layers() const {
  std::vector<SNConv2d> all = body_;
  all.push_back(head2_);
  all.push_back(head3_);
  return all;
}

}  // namespace mirflow::gan
