// Generator and critic: shapes for odd sizes, forward and backward on tiny inputs, the global
// residual (a zero head is the identity), and spectral normalisation bounding the largest
// singular value (checked by SVD and by an independent power iteration in double precision).
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mirflow_gan/discriminator.hpp"
#include "mirflow_gan/generator.hpp"

using namespace mirflow::gan;

TEST(GanGenerator, OddSizesKeepTheirShapeAndRange) {
  torch::manual_seed(1);
  Generator g(GeneratorOptions{4, 5});
  for (auto [h, w] : {std::pair<std::int64_t, std::int64_t>{37, 53}, {33, 17}, {7, 5}, {64, 32}}) {
    const torch::Tensor x = torch::rand({2, 1, h, w}) * 2 - 1;
    const torch::Tensor y = g->forward(x);
    EXPECT_EQ(y.sizes(), x.sizes()) << h << "x" << w;
    EXPECT_LT(y.abs().max().item<float>(), 1.0f);
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
  }
}

TEST(GanGenerator, ForwardBackwardReachesEveryParameter) {
  torch::manual_seed(2);
  Generator g(GeneratorOptions{2, 5});
  const torch::Tensor x = torch::rand({2, 1, 20, 24}) * 2 - 1;
  const torch::Tensor target = torch::rand({2, 1, 20, 24}) * 2 - 1;
  torch::l1_loss(g->forward(x), target).backward();
  int with_gradient = 0, total = 0;
  for (const auto& p : g->named_parameters()) {
    ++total;
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
    with_gradient += p.value().grad().abs().sum().item<double>() > 0;
  }
  // The deepest level is 1×1 after five poolings of a 32×32 pad: its instance norm zeroes its
  // output, so some parameters there legitimately get zero gradient; the rest must not.
  EXPECT_GT(with_gradient, total * 3 / 4);
}

TEST(GanGenerator, ZeroHeadIsTheIdentity) {
  torch::manual_seed(3);
  Generator g(GeneratorOptions{3, 3});
  {
    torch::NoGradGuard no_grad;
    for (auto& p : g->named_parameters())
      if (p.key().rfind("head.", 0) == 0) p.value().zero_();
  }
  const torch::Tensor x = torch::rand({1, 1, 19, 23}) * 1.8 - 0.9;  // inside the clamp
  EXPECT_LT((g->forward(x) - x).abs().max().item<double>(), 1e-6);
}

TEST(GanGenerator, ChannelsDoubleUpToEightTimesTheWidth) {
  Generator g(GeneratorOptions{4, 5});
  const std::int64_t expected[] = {4, 8, 16, 32, 32, 32};
  for (int l = 0; l <= 5; ++l) EXPECT_EQ(g->channels(l), expected[l]);
}

TEST(GanCritic, MultiScaleHeadsHavePatchShapes) {
  torch::manual_seed(4);
  Discriminator d(DiscriminatorOptions{4});
  const CriticOutput out = d->forward(torch::rand({3, 1, 64, 48}) * 2 - 1);
  // Four stride-2 4×4 convolutions (padding 1) halve each side: 64×48 → 32×24 → 16×12 → 8×6 → 4×3.
  ASSERT_EQ(out.maps.size(), 3u);
  EXPECT_EQ(out.maps[0].sizes(), (std::vector<std::int64_t>{3, 1, 4, 3}));
  EXPECT_EQ(out.maps[1].sizes(), (std::vector<std::int64_t>{3, 1, 16, 12}));  // head on the 2w features
  EXPECT_EQ(out.maps[2].sizes(), (std::vector<std::int64_t>{3, 1, 8, 6}));    // head on the 4w features
  ASSERT_EQ(out.features.size(), 4u);
  EXPECT_EQ(out.features[3].size(1), 32);
  const torch::Tensor s = out.score();
  EXPECT_EQ(s.sizes(), (std::vector<std::int64_t>{3}));
  const double expect0 = out.maps[0][0].mean().item<double>() + out.maps[1][0].mean().item<double>() +
                         out.maps[2][0].mean().item<double>();
  EXPECT_NEAR(s[0].item<double>(), expect0, 1e-6);
  s.sum().backward();
  for (const auto& p : d->parameters()) EXPECT_TRUE(p.grad().defined());
}

namespace {
// Largest singular value by power iteration on WᵀW in double precision, from a fixed start
// vector unrelated to the layer's u and v.
double power_iteration_sigma(const torch::Tensor& w) {
  const torch::Tensor m = w.to(torch::kDouble).reshape({w.size(0), -1});
  torch::Tensor x = torch::ones({m.size(1)}, torch::kDouble);
  for (int i = 0; i < 500; ++i) x = torch::mv(m.t(), torch::mv(m, x)), x = x / x.norm();
  return torch::mv(m, x).norm().item<double>();
}
}  // namespace

TEST(GanSpectralNorm, BoundsTheLargestSingularValueByOne) {
  torch::manual_seed(5);
  SNConv2d conv(SNConv2dOptions{6, 10, 3, 1, 1});
  {
    torch::NoGradGuard no_grad;
    conv->weight.mul_(7.0);  // far from unit norm, so the normalisation must do the work
  }
  const double raw = power_iteration_sigma(conv->weight);
  EXPECT_GT(raw, 2.0);
  conv->train();
  const torch::Tensor x = torch::rand({1, 6, 8, 8});
  for (int i = 0; i < 30; ++i) conv->forward(x);  // one power iteration per training pass
  const torch::Tensor wn = conv->normalised_weight().detach();
  const double by_svd = torch::linalg::svdvals(wn.reshape({10, -1}).to(torch::kDouble), c10::nullopt).max().item<double>();
  EXPECT_NEAR(by_svd, 1.0, 1e-4);
  EXPECT_NEAR(power_iteration_sigma(wn), 1.0, 1e-4);
  EXPECT_NEAR(conv->sigma_estimate(), raw, 1e-4 * raw);
  // Eval mode must not change u and v.
  conv->eval();
  const torch::Tensor u = conv->u.clone();
  conv->forward(x);
  EXPECT_TRUE(torch::equal(u, conv->u));
  // The output is the convolution with W/σ.
  const torch::Tensor expect = torch::conv2d(x, conv->weight / conv->sigma_estimate(), conv->bias, 1, 1);
  EXPECT_LT((conv->forward(x) - expect).abs().max().item<double>(), 1e-5);
}

TEST(GanSpectralNorm, EveryCriticLayerIsNormalised) {
  torch::manual_seed(6);
  Discriminator d(DiscriminatorOptions{4});
  d->train();
  const torch::Tensor x = torch::rand({1, 1, 32, 32});
  for (int i = 0; i < 200; ++i) d->forward(x);  // one power iteration per pass; gaps σ2/σ1 near 1 converge slowly
  const auto layers = d->layers();
  EXPECT_EQ(layers.size(), 7u);
  for (auto l : layers) {
    const torch::Tensor w = l->normalised_weight().detach();
    EXPECT_NEAR(torch::linalg::svdvals(w.reshape({w.size(0), -1}), c10::nullopt).max().item<double>(), 1.0, 2e-3);
  }
}
