// Tiled inference: every pixel covered, weights that vanish only where another tile covers, and
// equality with whole-image inference for a network whose receptive field fits in the margin.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <mirflow/error.hpp>

#include "mirflow_gan/generator.hpp"
#include "mirflow_gan/self_ensemble.hpp"
#include "mirflow_gan/tiled_inference.hpp"

using namespace mirflow::gan;

TEST(GanTiling, StartsCoverTheImageWithTheOverlap) {
  for (std::int64_t n : {100, 129, 256, 257, 1000}) {
    const auto s = tile_starts(n, 64, 16);
    EXPECT_EQ(s.front(), 0);
    EXPECT_EQ(s.back() + 64, n);
    for (std::size_t i = 1; i < s.size(); ++i) EXPECT_GE(s[i - 1] + 64 - s[i], 16) << n;
  }
  EXPECT_EQ(tile_starts(50, 64, 16), std::vector<std::int64_t>{0});
}

TEST(GanTiling, LocalNetworkTiledEqualsWhole) {
  torch::manual_seed(10);
  // Three 3×3 convolutions with zero padding: receptive-field radius 3 ≤ overlap/4 = 4.
  torch::nn::Sequential net(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 3).padding(1)), torch::nn::Tanh(),
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(4, 4, 3).padding(1)), torch::nn::Tanh(),
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(4, 1, 3).padding(1)));
  net->to(torch::kDouble);
  torch::NoGradGuard no_grad;
  const TensorFn f = [&](const torch::Tensor& t) { return net->forward(t); };
  const torch::Tensor x = torch::randn({2, 1, 150, 97}, torch::kDouble);
  const torch::Tensor whole = f(x);
  const torch::Tensor tiled = run_tiled(f, x, TileOptions{48, 16});
  ASSERT_EQ(tiled.sizes(), whole.sizes());
  EXPECT_LT((tiled - whole).abs().max().item<double>(), 1e-12);
}

TEST(GanTiling, AnImageWithinOneTileRunsWhole) {
  // A whole image no larger than a tile runs in one piece: the tiler must not change it.
  torch::manual_seed(11);
  Generator g(GeneratorOptions{2, 2});
  g->eval();
  torch::NoGradGuard no_grad;
  const TensorFn f = [&](const torch::Tensor& t) { return g->forward(t); };
  const torch::Tensor x = torch::rand({1, 1, 40, 30}) * 2 - 1;
  EXPECT_TRUE(torch::equal(run_tiled(f, x, TileOptions{64, 16}), f(x)));
}

TEST(GanSelfEnsemble, AnEquivariantNetworkIsUnchanged) {
  torch::manual_seed(2);
  const torch::Tensor x = torch::randn({2, 1, 9, 14});
  const TensorFn pointwise = [](const torch::Tensor& t) { return t * t + 3 * t; };
  EXPECT_TRUE(torch::allclose(self_ensemble(pointwise, 8)(x), pointwise(x), 1e-6, 1e-6));
}

TEST(GanSelfEnsemble, AShiftAveragesOverTheSymmetries) {
  // A network that shifts right by one pixel: under flip x it shifts left, under transposition
  // it shifts along y. The means follow by hand (see self_ensemble.cpp for the order).
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({1, 1, 7, 10});
  const TensorFn shift = [](const torch::Tensor& t) { return t.roll(1, 3); };
  const torch::Tensor rx = (x.roll(1, 3) + x.roll(-1, 3)) / 2, ry = (x.roll(1, 2) + x.roll(-1, 2)) / 2;
  EXPECT_TRUE(torch::equal(self_ensemble(shift, 1)(x), x.roll(1, 3)));
  EXPECT_TRUE(torch::allclose(self_ensemble(shift, 2)(x), rx, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(self_ensemble(shift, 4)(x), rx, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(self_ensemble(shift, 8)(x), (rx + ry) / 2, 1e-6, 1e-6));
  EXPECT_THROW(self_ensemble(shift, 3), mirflow::InputError);
}
