// Training on pairs made by io.nifti_read + noise.rician from Colin27 (mricron-data): a short
// seeded run raises validation PSNR on another volume; the same seed gives the same weights; a
// run resumed from a checkpoint ends bit-identical to an uninterrupted one; the training file
// reader rejects bad input with file:line:column; the `train` command is registered.
#include <gtest/gtest.h>

#include <fstream>

#include <mirflow/error.hpp>

#include "mirflow_gan/mri_pairs.hpp"
#include "mirflow_gan/node_runner.hpp"
#include "mirflow_gan/train_config.hpp"
#include "mirflow_gan/trainer.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::gan;
namespace fs = std::filesystem;

namespace {

const fs::path kTemplates = "/usr/share/mricron/templates";

MriPairOptions small_data() {
  MriPairOptions o;
  o.train = {kTemplates / "ch2bet.nii.gz"};
  o.validation = {kTemplates / "ch2.nii.gz"};  // same subject: this test checks learning, not generalisation
  o.sigmas = {0.05, 0.09};
  o.validation_sigma = 0.07;
  o.validation_slices = 2;
  o.seed = 3;
  return o;
}

TrainOptions small_training() {
  TrainOptions t;
  t.generator = {4, 3};
  t.critic = {4};
  t.weights.adversarial = 0.01;  // small nets, few steps: keep the critic from dominating
  t.weights.perceptual = 0;
  t.iterations = 40;
  t.batch = 2;
  t.patches = {32, 48};
  t.lr_generator = 2e-3;
  t.lr_critic = 8e-3;
  t.restart_period = 40;
  t.seed = 5;
  return t;
}

bool same_weights(torch::nn::Module& a, torch::nn::Module& b) {
  auto pa = a.named_parameters(), pb = b.named_parameters();
  for (const auto& p : pa)
    if (!torch::equal(p.value(), pb[p.key()])) return false;
  return true;
}

}  // namespace

class GanTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kTemplates / "ch2bet.nii.gz")) GTEST_SKIP() << "needs mricron-data";
  }
};

TEST_F(GanTraining, PairsAreRicianNoisyVersionsOfTheCleanPatch) {
  MriPairs data(test::registry(), small_data());
  const Batch a = data.batch(0, 3, 32), b = data.batch(0, 3, 32), c = data.batch(1, 3, 32);
  EXPECT_EQ(a.noisy.sizes(), (std::vector<std::int64_t>{3, 1, 32, 32}));
  EXPECT_TRUE(torch::equal(a.noisy, b.noisy));  // a pure function of (seed, step)
  EXPECT_TRUE(torch::equal(a.clean, b.clean));
  EXPECT_FALSE(torch::equal(a.noisy, c.noisy));
  EXPECT_GE(a.noisy.min().item<double>(), -1 - 1e-6);
  EXPECT_LE(a.noisy.max().item<double>(), 1 + 1e-6);
  // Rician magnitude noise is biased upwards (E|A + n| > A, most of all in the dark background).
  EXPECT_GT((a.noisy - a.clean).mean().item<double>(), 0);
  ASSERT_EQ(data.validation().size(), 2u);
}

TEST_F(GanTraining, ShortSeededRunRaisesValidationPsnr) {
  MriPairs data(test::registry(), small_data());
  Trainer t(small_training(), data);
  const Scores before = t.validate(false);
  double first = 0, last = 0;  // mean L1 of the first and the last five steps
  for (int i = 0; i < 40; ++i) {
    const double l1 = t.step().l1;
    if (i < 5) first += l1 / 5;
    if (i >= 35) last += l1 / 5;
  }
  const Scores after = t.validate(false);
  EXPECT_LT(last, first);
  EXPECT_GT(after.psnr, before.psnr + 1.0) << before.psnr << " -> " << after.psnr;
  EXPECT_GT(after.ssim, before.ssim);
}

TEST_F(GanTraining, SameSeedSameWeightsAndResumeIsExact) {
  MriPairs data(test::registry(), small_data());
  TrainOptions o = small_training();
  o.iterations = 4;
  Trainer a(o, data), b(o, data);
  for (int i = 0; i < 4; ++i) a.step();
  for (int i = 0; i < 2; ++i) b.step();
  const fs::path ckpt = test::scratch_dir("gan_ckpt") / "c.pt";
  b.save_checkpoint(ckpt);
  TrainOptions other = o;
  other.seed = o.seed;  // a fresh trainer: different initial weights until the checkpoint loads
  torch::manual_seed(999);
  Trainer c(other, data);
  c.load_checkpoint(ckpt);
  EXPECT_EQ(c.iteration(), 2);
  for (int i = 0; i < 2; ++i) c.step();
  EXPECT_TRUE(same_weights(*a.generator(), *c.generator()));
  EXPECT_TRUE(same_weights(*a.ema(), *c.ema()));
  EXPECT_TRUE(same_weights(*a.critic(), *c.critic()));

  // A checkpoint of another architecture is refused, naming the file.
  TrainOptions wider = o;
  wider.generator.width = 5;
  Trainer w(wider, data);
  try {
    w.load_checkpoint(ckpt);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(ckpt.string() + ": checkpoint of another architecture"), std::string::npos)
        << e.what();
  }
}

TEST(GanTrainConfig, ReadsTheShippedFileAndRejectsBadKeys) {
  const fs::path shipped = test::source_dir() / "graphs" / "train_gan_mri.toml";
  if (fs::exists(kTemplates / "ch2.nii.gz")) {
    const TrainConfig c = read_train_config(shipped);
    EXPECT_FALSE(c.mri.train.empty());
    EXPECT_FALSE(c.mri.validation.empty());
    const TrainConfig o = read_train_config(shipped, {"train.iterations=7", "model.width=3"});
    EXPECT_EQ(o.train.iterations, 7);
    EXPECT_EQ(o.train.generator.width, 3);
  }
  const fs::path dir = test::scratch_dir("gan_cfg");
  std::ofstream(dir / "bad.toml") << "[train]\noutput = \"m.pt\"\niterations = 10\nlearning_rate = 3\n";
  try {
    read_train_config(dir / "bad.toml");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.toml:4:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("train.learning_rate"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "range.toml") << "[train]\noutput = \"m.pt\"\nema = 1.5\n";
  EXPECT_THROW(read_train_config(dir / "range.toml"), InputError);
}

TEST(GanSlicePlanes, SlicesAreTheVolumesPlanesWithContent) {
  torch::manual_seed(1);
  torch::Tensor v = torch::rand({5, 6, 7}) + 1;  // nz×ny×nx
  v.select(1, 2).zero_();                           // coronal slice y = 2 has no content
  const auto refs = content_slices(v, {Plane::Axial, Plane::Coronal, Plane::Sagittal}, 0.5);
  ASSERT_EQ(refs.size(), 5u + 5u + 7u);
  for (const auto& r : refs) EXPECT_FALSE(r.plane == Plane::Coronal && r.index == 2);
  // Element by element against the index arithmetic of each plane.
  const auto a = v.accessor<float, 3>();
  const torch::Tensor cor = slice_of(v, {Plane::Coronal, 4}), sag = slice_of(v, {Plane::Sagittal, 6});
  ASSERT_EQ(cor.sizes(), (std::vector<std::int64_t>{5, 7}));
  ASSERT_EQ(sag.sizes(), (std::vector<std::int64_t>{5, 6}));
  for (int z = 0; z < 5; ++z) {
    for (int x = 0; x < 7; ++x) EXPECT_EQ(cor[z][x].item<float>(), a[z][4][x]);
    for (int y = 0; y < 6; ++y) EXPECT_EQ(sag[z][y].item<float>(), a[z][y][6]);
  }
  EXPECT_EQ(slice_spacing({1, 2, 3}, Plane::Coronal), (std::array<double, 2>{3, 1}));
  EXPECT_EQ(slice_spacing({1, 2, 3}, Plane::Sagittal), (std::array<double, 2>{3, 2}));
  EXPECT_THROW(plane_from_name("transverse"), InputError);
}

TEST(GanContentCrop, CropsCentreOnTissueWhereUniformCropsMissIt) {
  // One 5×5 block of tissue in a 200×160 slice, one of them at the border.
  for (const std::int64_t row : {100, 195}) {
    torch::Tensor x = torch::zeros({1, 1, 200, 160});
    x.slice(2, row, row + 5).slice(3, 20, 25).fill_(1);
    torch::Generator gen = seeded_generator(7, 0, 0);
    int uniform_hits = 0;
    for (int i = 0; i < 100; ++i) {
      const auto c = content_crop({x, 2 * x}, 32, x, 0.5, gen);
      ASSERT_EQ(c[0].sizes(), (std::vector<std::int64_t>{1, 1, 32, 32}));
      EXPECT_EQ(c[0].sum().item<double>(), 25) << "the whole block lies in every window";
      EXPECT_TRUE(torch::equal(c[1], 2 * c[0])) << "the same window in every tensor";
      uniform_hits += random_crop({x}, 32, gen)[0].sum().item<double>() > 0;
    }
    EXPECT_LT(uniform_hits, 50);  // about 100 · (36·36)/(169·129) ≈ 6 expected
  }
  // No tissue at all: a plain crop; a slice smaller than the patch is padded.
  torch::Generator gen = seeded_generator(7, 0, 1);
  const auto c = content_crop({torch::ones({1, 1, 20, 10})}, 32, torch::zeros({1, 1, 20, 10}), 0.5, gen);
  EXPECT_EQ(c[0].sizes(), (std::vector<std::int64_t>{1, 1, 32, 32}));
  EXPECT_EQ(c[0].sum().item<double>(), 200);
}

TEST_F(GanTraining, AllPlanesAndTissueCropsFromARealVolume) {
  MriPairOptions o = small_data();
  o.planes = {Plane::Axial, Plane::Coronal, Plane::Sagittal};
  o.content_crops = 1;
  MriPairs data(test::registry(), o);
  EXPECT_NE(data.describe().find("planes axial coronal sagittal"), std::string::npos) << data.describe();
  for (std::int64_t step = 0; step < 6; ++step) {
    const Batch b = data.batch(step, 4, 32);
    for (std::int64_t i = 0; i < 4; ++i) {  // no patch of pure background (which maps to about −1)
      const torch::Tensor c = b.clean[i];
      EXPECT_GT((c.max() - c.min()).item<double>(), 0.1) << "step " << step << " patch " << i;
    }
  }
}

TEST_F(GanTraining, PlanesWithNonSquarePixelsAreRefusedByName) {
  Image img = Image::allocate3d(DType::F32, 12, 10, 8);
  std::fill_n(img.data<float>(), 12 * 10 * 8, 1.0f);
  img.geometry().spacing = {1.0, 1.0, 2.5};
  const fs::path file = test::scratch_dir("gan_aniso") / "aniso.nii";
  NodeRunner(test::registry(), "io.nifti_write", {{"path", file.string()}}).run("aniso", {{"image", std::any(img)}});
  MriPairOptions o = small_data();
  o.train = {file};
  o.planes = {Plane::Axial};
  EXPECT_NO_THROW(MriPairs(test::registry(), o));  // 1 × 1 mm axial pixels
  o.planes = {Plane::Axial, Plane::Sagittal};
  try {
    MriPairs data(test::registry(), o);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("aniso.nii: sagittal slices have 2.5"), std::string::npos) << e.what();
  }
}

TEST(GanTrainConfig, ReadsPlanesAndTissueCropsAndNamesABadPlane) {
  if (!fs::exists(kTemplates / "ch2.nii.gz")) GTEST_SKIP() << "needs mricron-data";
  const fs::path dir = test::scratch_dir("gan_cfg_planes");
  const std::string head = "[data]\ntrain = [\"" + (kTemplates / "ch2.nii.gz").string() + "\"]\n";
  std::ofstream(dir / "ok.toml") << head << "planes = [\"axial\", \"sagittal\"]\ncontent_crops = 0.75\n"
                                 << "[train]\noutput = \"m.pt\"\n";
  const TrainConfig c = read_train_config(dir / "ok.toml");
  EXPECT_EQ(c.mri.planes, (std::vector<Plane>{Plane::Axial, Plane::Sagittal}));
  EXPECT_EQ(c.mri.content_crops, 0.75);
  std::ofstream(dir / "bad.toml") << head << "planes = [\"axial\", \"transverse\"]\n[train]\noutput = \"m.pt\"\n";
  try {
    read_train_config(dir / "bad.toml");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.toml:3:20: data.planes: unknown slice plane 'transverse'"),
              std::string::npos) << e.what();
  }
}

TEST(GanTrainCommand, IsRegisteredAndReportsAMissingFile) {
  const CommandType* train = test::registry().find_command("train");
  ASSERT_NE(train, nullptr);
  EXPECT_EQ(train->run({"/nonexistent/train.toml"}), 2);
  EXPECT_EQ(train->run({}), 2);
}
