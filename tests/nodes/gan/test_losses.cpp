// The losses against independent references: the gradient penalty against central finite
// differences of the critic, SSIM against scikit-image, TV against its closed form on a ramp.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <torch/torch.h>

#include "mirflow_gan/losses.hpp"
#include "test_support.hpp"

using namespace mirflow::gan;

TEST(GanLosses, GradientPenaltyMatchesFiniteDifferences) {
  torch::manual_seed(7);
  Discriminator d(DiscriminatorOptions{3});
  d->to(torch::kDouble);
  d->eval();  // u, v fixed: the critic is a fixed function of its input
  const torch::Tensor real = torch::rand({2, 1, 16, 16}, torch::kDouble) * 2 - 1;
  const torch::Tensor fake = torch::rand({2, 1, 16, 16}, torch::kDouble) * 2 - 1;
  const torch::Tensor eps = torch::tensor({0.3, 0.8}, torch::kDouble);
  const double gp = gradient_penalty(d, real, fake, eps).item<double>();

  torch::NoGradGuard no_grad;
  double expect = 0;
  for (int n = 0; n < 2; ++n) {
    const double e = eps[n].item<double>();
    const torch::Tensor mixed = (e * real[n] + (1 - e) * fake[n]).unsqueeze(0).contiguous();
    const double h = 1e-5;
    double sq = 0;
    for (std::int64_t i = 0; i < mixed.numel(); ++i) {
      torch::Tensor plus = mixed.clone(), minus = mixed.clone();
      plus.view(-1)[i] += h;
      minus.view(-1)[i] -= h;
      const double g = (d->forward(plus).score().item<double>() - d->forward(minus).score().item<double>()) / (2 * h);
      sq += g * g;
    }
    expect += std::pow(std::sqrt(sq) - 1, 2) / 2;
  }
  EXPECT_NEAR(gp, expect, 1e-7 * std::max(1.0, expect));
}

TEST(GanLosses, GradientPenaltyIsDifferentiableInTheCriticWeights) {
  torch::manual_seed(8);
  Discriminator d(DiscriminatorOptions{3});
  const torch::Tensor real = torch::rand({2, 1, 16, 16}), fake = torch::rand({2, 1, 16, 16});
  gradient_penalty(d, real, fake, torch::rand({2})).backward();
  double total = 0;
  for (const auto& p : d->parameters()) total += p.grad().defined() ? p.grad().abs().sum().item<double>() : 0;
  EXPECT_GT(total, 0);  // create_graph = true: the penalty trains the critic
}

TEST(GanLosses, SsimMatchesScikitImage) {
  if (!mirflow::test::python_has("skimage")) GTEST_SKIP() << "needs scikit-image in /usr/bin/python3";
  torch::manual_seed(9);
  const torch::Tensor x = torch::rand({1, 1, 40, 48}, torch::kDouble) * 2 - 1;
  const torch::Tensor y = (x + 0.3 * torch::randn({1, 1, 40, 48}, torch::kDouble)).clamp(-1, 1);
  const auto dir = mirflow::test::scratch_dir("gan_ssim");
  for (auto [name, t] : {std::pair<const char*, torch::Tensor>{"x.raw", x}, {"y.raw", y}}) {
    std::ofstream f(dir / name, std::ios::binary);
    f.write(reinterpret_cast<const char*>(t.contiguous().data_ptr<double>()), t.numel() * 8);
  }
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np; from skimage.metrics import structural_similarity as s; "
                          "x=np.fromfile('" + (dir / "x.raw").string() + "').reshape(40,48); y=np.fromfile('" +
                          (dir / "y.raw").string() + "').reshape(40,48); print(repr(s(x, y, gaussian_weights=True, "
                          "sigma=1.5, use_sample_covariance=False, data_range=2.0)))\"";
  std::string out;
  ASSERT_EQ(mirflow::test::run_command(cmd, &out), 0) << out;
  const double reference = std::stod(out);
  EXPECT_NEAR(ssim(x, y, 2.0).item<double>(), reference, 1e-9);
  EXPECT_NEAR(ssim_loss(x, x).item<double>(), 0.0, 1e-12);
}

TEST(GanLosses, TotalVariationOfARampIsItsSlopes) {
  // x(i, j) = a·j + b·i: every horizontal difference is a, every vertical one b.
  const double a = 0.03, b = -0.05;
  const torch::Tensor j = torch::arange(30, torch::kDouble).view({1, 1, 1, 30});
  const torch::Tensor i = torch::arange(20, torch::kDouble).view({1, 1, 20, 1});
  EXPECT_NEAR(tv_loss(a * j + b * i).item<double>(), std::abs(a) + std::abs(b), 1e-12);
  EXPECT_NEAR(tv_loss(torch::ones({1, 1, 9, 9})).item<double>(), 0.0, 1e-12);
}

TEST(GanLosses, PsnrOfAKnownError) {
  // A constant error e over range r: PSNR = 20 log10(r / e).
  const torch::Tensor y = torch::rand({1, 1, 10, 10}, torch::kDouble);
  EXPECT_NEAR(psnr(y + 0.01, y, 2.0), 20 * std::log10(2.0 / 0.01), 1e-9);
}
