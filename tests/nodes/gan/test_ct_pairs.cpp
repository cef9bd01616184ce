// The ct_lowdose pair source: pairs are a pure function of (seed, step); the noise is the
// physics of the chain (FBP noise variance ∝ 1/I0); validation phantoms come from another phantom stream; the shipped training file reads.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <mirflow/error.hpp>

#include "mirflow_gan/ct_pairs.hpp"
#include "mirflow_gan/train_config.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::gan;
namespace fs = std::filesystem;

namespace {

CtPairOptions small(std::vector<double> i0s) {
  CtPairOptions o;
  o.nx = 64;
  o.pixel_size = 4.0;
  o.views = 90;
  o.i0s = std::move(i0s);
  o.validation_i0 = 2e4;
  o.phantoms = 2;
  o.validation_phantoms = 1;
  o.seed = 3;
  return o;
}

}  // namespace

TEST(GanCtPairs, PairsAreSeededAndNoiseFollowsTheDose) {
  CtPairs low(test::registry(), small({1e4}));
  const Batch a = low.batch(0, 2, 48), b = low.batch(0, 2, 48), c = low.batch(1, 2, 48);
  EXPECT_EQ(a.noisy.sizes(), (std::vector<std::int64_t>{2, 1, 48, 48}));
  EXPECT_TRUE(torch::equal(a.noisy, b.noisy));
  EXPECT_TRUE(torch::equal(a.clean, b.clean));
  EXPECT_FALSE(torch::equal(a.noisy, c.noisy));
  EXPECT_GE(a.noisy.min().item<double>(), -1 - 1e-6);
  EXPECT_LE(a.noisy.max().item<double>(), 1 + 1e-6);
  // Same phantoms, crops, orientations and draws (the generator draws the same numbers); only I0
  // differs. The difference of two doses cancels the phantom and the FBP blur and leaves two
  // independent noises, with variance ∝ 1/I0 each: std(n(2e3) − n(2e5)) / std(n(2e4) − n(2e5)) =
  // √((1/2e3 + 1/2e5) / (1/2e4 + 1/2e5)) = 3.03 (each slice's own [−1, 1] map moves it a little).
  CtPairs d3(test::registry(), small({2e3})), d4(test::registry(), small({2e4})), d5(test::registry(), small({2e5}));
  double wide = 0, narrow = 0;
  for (int step = 0; step < 4; ++step) {
    const Batch x3 = d3.batch(step, 2, 48), x4 = d4.batch(step, 2, 48), x5 = d5.batch(step, 2, 48);
    wide += (x3.noisy - x5.noisy).std().item<double>();
    narrow += (x4.noisy - x5.noisy).std().item<double>();
  }
  EXPECT_GT(wide / narrow, 2.4) << wide << " vs " << narrow;
  EXPECT_LT(wide / narrow, 3.6) << wide << " vs " << narrow;
  // Validation: a phantom of the other stream, in HU, scored with its own max − min.
  ASSERT_EQ(low.validation().size(), 1u);
  const ValidationSlice& v = low.validation()[0];
  EXPECT_EQ(v.clean.sizes(), (std::vector<std::int64_t>{1, 1, 64, 64}));
  EXPECT_NEAR(v.clean.min().item<double>(), -1000, 1e-3);  // air
  EXPECT_GT(v.data_range, 1500);
}

TEST(GanCtPairs, ReadsTheShippedFileAndRefusesMixedKinds) {
  const TrainConfig c = read_train_config(test::source_dir() / "graphs" / "train_gan_ct.toml");
  EXPECT_EQ(c.kind, "ct_lowdose");
  EXPECT_EQ(c.ct.i0s, (std::vector<double>{1e4, 2e4, 5e4}));
  EXPECT_NE(c.ct.phantom_seed, c.ct.validation_seed);
  const fs::path dir = test::scratch_dir("gan_ct_cfg");
  std::ofstream(dir / "mixed.toml") << "[data]\nkind = \"ct_lowdose\"\nsigmas = [0.05]\n[train]\noutput = \"m.pt\"\n";
  try {
    read_train_config(dir / "mixed.toml");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("mixed.toml:3:"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "split.toml") << "[data]\nkind = \"ct_lowdose\"\nphantom_seed = 4\nvalidation_seed = 4\n"
                                       "[train]\noutput = \"m.pt\"\n";
  EXPECT_THROW(read_train_config(dir / "split.toml"), InputError);
}
