// Model files and the nodes that use them: save/load is bit-exact, missing and corrupt files give
// errors naming the file, gan.denoise equals the generator applied by hand (per-slice min/max to
// [−1, 1] and back), gan.torchscript runs a module exported by Debian's PyTorch 1.13.
#include <gtest/gtest.h>

#include <fstream>

#include <mirflow/error.hpp>
#include <torch/torch.h>

#include "mirflow_gan/model_file.hpp"
#include "mirflow_gan/node_runner.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::gan;
namespace fs = std::filesystem;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}
// An untrained generator (width 3, 3 levels) from `seed`, saved under a scratch folder `dir`;
// returned in eval mode with the file's path.
std::pair<Generator, fs::path> saved_generator(std::uint64_t seed, const std::string& dir) {
  torch::manual_seed(seed);
  Generator g(GeneratorOptions{3, 3});
  const fs::path file = test::scratch_dir(dir) / "g.pt";
  save_generator(file, g);
  g->eval();
  return {g, file};
}
}  // namespace

TEST(GanModelFile, SaveLoadIsBitExact) {
  torch::manual_seed(12);
  Generator g(GeneratorOptions{3, 4});
  const fs::path file = test::scratch_dir("gan_model") / "g.pt";
  save_generator(file, g, {{"data", "unit test"}, {"noise", "none"}});
  GeneratorFile loaded = load_generator(file);
  EXPECT_EQ(loaded.generator->options().width, 3);
  EXPECT_EQ(loaded.generator->options().levels, 4);
  EXPECT_EQ(loaded.metadata.at("data"), "unit test");
  EXPECT_EQ(loaded.metadata.at("noise"), "none");
  auto a = g->named_parameters(), b = loaded.generator->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& p : a) EXPECT_TRUE(torch::equal(p.value(), b[p.key()])) << p.key();
  torch::NoGradGuard no_grad;
  g->eval();
  const torch::Tensor x = torch::rand({1, 1, 21, 35}) * 2 - 1;
  EXPECT_TRUE(torch::equal(g->forward(x), loaded.generator->forward(x)));
}

TEST(GanModelFile, MissingOrCorruptFilesAreNamed) {
  const fs::path dir = test::scratch_dir("gan_bad_model");
  const fs::path missing = dir / "nope.pt";
  EXPECT_NE(error_of([&] { load_generator(missing); }).find(missing.string() + ": model file not found"),
            std::string::npos);

  const fs::path garbage = dir / "garbage.pt";
  std::ofstream(garbage) << "this is not a model";
  const std::string e1 = error_of([&] { load_generator(garbage); });
  EXPECT_NE(e1.find(garbage.string()), std::string::npos) << e1;
  EXPECT_NE(e1.find("not a mirflow GAN model file"), std::string::npos) << e1;

  // A real model cut in half.
  Generator g(GeneratorOptions{2, 2});
  const fs::path good = dir / "good.pt", cut = dir / "cut.pt";
  save_generator(good, g);
  std::ifstream in(good, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  const std::string e2 = error_of([&] { load_generator(cut); });
  EXPECT_NE(e2.find(cut.string()), std::string::npos) << e2;

  // The node reports it at construction, naming the file.
  const std::string e3 = error_of([&] { NodeRunner(test::registry(), "gan.denoise", {{"model", garbage.string()}}); });
  EXPECT_NE(e3.find(garbage.string()), std::string::npos) << e3;
}

TEST(GanDenoiseNode, EqualsTheGeneratorAppliedByHand) {
  auto [g, file] = saved_generator(13, "gan_node");

  // A 3-slice uint16 volume with different ranges per slice.
  Image vol = Image::allocate3d(DType::U16, 29, 23, 3);
  for (std::int64_t z = 0; z < 3; ++z)
    for (std::int64_t y = 0; y < 23; ++y)
      for (std::int64_t x = 0; x < 29; ++x) vol.set_value(x, y, z, 100 * (z + 1) + (x * 7 + y * 13 + z) % 50);
  vol.geometry().spacing = {0.5, 0.7, 2.0};
  NodeRunner node(test::registry(), "gan.denoise", {{"model", file.string()}, {"batch", std::int64_t{2}}});
  const Image out = std::any_cast<Image>(node.run("vol", {{"image", std::any(vol)}}).at("image"));
  ASSERT_EQ(out.dtype(), DType::F32);
  ASSERT_EQ(out.shape(), vol.shape());
  EXPECT_EQ(out.geometry(), vol.geometry());

  torch::NoGradGuard no_grad;
  for (std::int64_t z = 0; z < 3; ++z) {
    torch::Tensor s = torch::empty({1, 1, 23, 29});
    double lo = 1e30, hi = -1e30;
    for (std::int64_t y = 0; y < 23; ++y)
      for (std::int64_t x = 0; x < 29; ++x) {
        const double v = vol.value(x, y, z);
        s[0][0][y][x] = v;
        lo = std::min(lo, v), hi = std::max(hi, v);
      }
    const torch::Tensor y = (g->forward((s - lo) / (hi - lo) * 2 - 1) + 1) / 2 * (hi - lo) + lo;
    double worst = 0;
    for (std::int64_t yy = 0; yy < 23; ++yy)
      for (std::int64_t x = 0; x < 29; ++x)
        worst = std::max(worst, std::abs(out.value(x, yy, z) - y[0][0][yy][x].item<double>()));
    EXPECT_LT(worst, 1e-3 * (hi - lo)) << "slice " << z;
  }
}

TEST(GanDenoiseNode, EnsembleIsTheMeanOverFlipsByHand) {
  auto [g, file] = saved_generator(14, "gan_node_ens");
  Image img = Image::allocate2d(DType::F32, 21, 17);
  for (std::int64_t y = 0; y < 17; ++y)
    for (std::int64_t x = 0; x < 21; ++x) img.set_value(x, y, 0, (x * 5 + y * y) % 23);
  NodeRunner node(test::registry(), "gan.denoise", {{"model", file.string()}, {"ensemble", std::int64_t{2}}});
  const Image out = std::any_cast<Image>(node.run("s", {{"image", std::any(img)}}).at("image"));

  torch::NoGradGuard no_grad;
  torch::Tensor s = torch::empty({1, 1, 17, 21});
  for (std::int64_t y = 0; y < 17; ++y)
    for (std::int64_t x = 0; x < 21; ++x) s[0][0][y][x] = img.value(x, y, 0);
  const double lo = s.min().item<double>(), hi = s.max().item<double>();
  const torch::Tensor u = (s - lo) / (hi - lo) * 2 - 1;
  const torch::Tensor mean = (g->forward(u) + g->forward(u.flip({3})).flip({3})) / 2;
  const torch::Tensor y = (mean + 1) / 2 * (hi - lo) + lo;
  double worst = 0, from_plain = 0;
  const torch::Tensor plain = (g->forward(u) + 1) / 2 * (hi - lo) + lo;
  for (std::int64_t yy = 0; yy < 17; ++yy)
    for (std::int64_t x = 0; x < 21; ++x) {
      worst = std::max(worst, std::abs(out.value(x, yy, 0) - y[0][0][yy][x].item<double>()));
      from_plain = std::max(from_plain, std::abs(out.value(x, yy, 0) - plain[0][0][yy][x].item<double>()));
    }
  EXPECT_LT(worst, 1e-3 * (hi - lo));
  EXPECT_GT(from_plain, 1e-2 * (hi - lo)) << "an untrained net is far from flip-equivariant";
  try {
    NodeRunner bad(test::registry(), "gan.denoise", {{"model", file.string()}, {"ensemble", std::int64_t{3}}});
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("parameter 'ensemble': self-ensemble size must be 1, 2, 4 or 8, got 3"),
              std::string::npos)
        << e.what();
  }
}

TEST(GanTorchScriptNode, RunsAModuleExportedByPyTorch) {
  if (!test::python_has("torch")) GTEST_SKIP() << "needs python3-torch";
  const fs::path dir = test::scratch_dir("gan_ts");
  const fs::path file = dir / "affine.pt";
  const std::string cmd = "/usr/bin/python3 -c \"import torch\n"
                          "class M(torch.nn.Module):\n"
                          "    def forward(self, x):\n"
                          "        return 0.5 * x + 0.25\n"
                          "torch.jit.trace(M(), torch.zeros(1, 1, 4, 4)).save('" + file.string() + "')\"";
  std::string log;
  ASSERT_EQ(test::run_command(cmd, &log), 0) << log;
  Image img = Image::allocate2d(DType::F32, 7, 5);
  for (std::int64_t i = 0; i < img.size(); ++i) const_cast<float*>(img.data<float>())[i] = static_cast<float>(i) - 3.0f;
  {
    NodeRunner node(test::registry(), "gan.torchscript", {{"model", file.string()}, {"normalise", false}});
    const Image out = std::any_cast<Image>(node.run("a", {{"image", std::any(img)}}).at("image"));
    for (std::int64_t i = 0; i < img.size(); ++i) EXPECT_FLOAT_EQ(out.data<float>()[i], 0.5f * img.data<float>()[i] + 0.25f);
  }
  {
    // With normalisation: x̃ = 2(x − lo)/(hi − lo) − 1, out = (0.5x̃ + 0.25 + 1)/2·(hi − lo) + lo.
    NodeRunner node(test::registry(), "gan.torchscript", {{"model", file.string()}});
    const Image out = std::any_cast<Image>(node.run("b", {{"image", std::any(img)}}).at("image"));
    const double lo = -3, hi = 31;
    for (std::int64_t i = 0; i < img.size(); ++i) {
      const double t = 2 * (img.data<float>()[i] - lo) / (hi - lo) - 1;
      EXPECT_NEAR(out.data<float>()[i], (0.5 * t + 0.25 + 1) / 2 * (hi - lo) + lo, 1e-4);
    }
  }
  std::ofstream(dir / "bad.pt") << "nonsense";
  const std::string e = error_of([&] { NodeRunner(test::registry(), "gan.torchscript", {{"model", (dir / "bad.pt").string()}}); });
  EXPECT_NE(e.find((dir / "bad.pt").string()), std::string::npos) << e;
}
