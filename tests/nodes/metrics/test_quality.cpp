// PSNR, SSIM and MS-SSIM against scikit-image (MS-SSIM: assembled in Python from skimage's SSIM
// and scipy Gaussian filtering, quality_reference.py) on a real MR slice: Colin27 (ch2.nii.gz)
// z = 90 with seeded noise and with blur; the small-image MS-SSIM rule; 3-D SSIM; RMSE by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "metrics.hpp"
#include "metrics_test_util.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::metrics;
namespace fs = std::filesystem;

namespace {

constexpr const char* kCh2 = "/usr/share/mricron/templates/ch2.nii.gz";

class AgainstSkimage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::python_has("skimage.metrics") || !test::python_has("nibabel") || !fs::exists(kCh2)) return;
    dir_ = test::scratch_dir("metrics_quality");
    std::string log;
    const std::string cmd = "/usr/bin/python3 " + mtest::script("quality_reference.py").string() + " " + dir_.string();
    if (test::run_command(cmd, &log) != 0) throw std::runtime_error(log);
    ref_ = nlohmann::json::parse(std::ifstream(dir_ / "reference.json"));
  }
  void SetUp() override {
    if (ref_.is_null()) GTEST_SKIP() << "/usr/bin/python3 with scikit-image and nibabel, or " << kCh2 << ", is missing";
  }
  static Image slice(const char* name) { return mtest::read_raw(dir_ / (std::string(name) + ".raw"), 181, 217); }

  static inline fs::path dir_;
  static inline nlohmann::json ref_;
};

}  // namespace

TEST_F(AgainstSkimage, PsnrSsimMsSsimOnNoisyAndBlurredSlices) {
  const Image ref = slice("ref");
  for (const char* name : {"noisy", "blurred"}) {
    const Image im = slice(name);
    const nlohmann::json& r = ref_[name];
    EXPECT_NEAR(psnr(im, ref, 255), r["psnr"].get<double>(), 1e-4) << name;
    EXPECT_NEAR(ssim(im, ref, 255), r["ssim"].get<double>(), 1e-4) << name;
    const MsSsim m = ms_ssim(im, ref, 255);
    EXPECT_EQ(m.scales, 5);
    EXPECT_NEAR(m.value, r["ms_ssim"].get<double>(), 1e-4) << name;
  }
}

TEST_F(AgainstSkimage, SmallImageUsesTheScalesThatFit) {
  // 100x100: scales of 100, 50, 25, 12 pixels fit the 11-pixel window, 6 does not.
  const Image a = mtest::read_raw(dir_ / "small_noisy.raw", 100, 100), b = mtest::read_raw(dir_ / "small.raw", 100, 100);
  const MsSsim m = ms_ssim(a, b, 255);
  EXPECT_EQ(m.scales, 4);
  EXPECT_EQ(m.scales, ref_["small"]["scales"].get<int>());
  EXPECT_NEAR(m.value, ref_["small"]["ms_ssim"].get<double>(), 1e-4);
}

TEST_F(AgainstSkimage, VolumetricSsim) {
  const Image a = mtest::read_raw(dir_ / "vol_noisy.raw", 48, 40, 24), b = mtest::read_raw(dir_ / "vol_ref.raw", 48, 40, 24);
  EXPECT_NEAR(ssim(a, b, 255), ref_["volume"]["ssim"].get<double>(), 1e-4);
}

TEST_F(AgainstSkimage, IntegerDtypesGiveTheSameNumbers) {
  // The uint8 original read as double must give the float64 answers (the conversion is exact).
  const Image ref8 = slice("ref").astype(DType::U8);
  const Image noisy = slice("noisy");
  EXPECT_NEAR(ssim(noisy, ref8, 255), ref_["noisy"]["ssim"].get<double>(), 1e-4);
  EXPECT_DOUBLE_EQ(default_data_range(ref8), 255.0);  // skimage's PSNR rule for uint8
}

TEST(Quality, IdenticalImages) {
  Image a = Image::allocate2d(DType::F32, 40, 30);
  for (std::int64_t y = 0; y < 30; ++y)
    for (std::int64_t x = 0; x < 40; ++x) a.at<float>(x, y) = float(std::sin(0.3 * x) * 50 + y);
  EXPECT_TRUE(std::isinf(psnr(a, a, 100)));
  EXPECT_DOUBLE_EQ(ssim(a, a, 100), 1.0);
  EXPECT_DOUBLE_EQ(ms_ssim(a, a, 100).value, 1.0);
  EXPECT_EQ(ms_ssim(a, a, 100).scales, 2);  // 30 and 15 pixels fit, 7 does not
}

TEST(Quality, RmseAndPsnrByHand) {
  // image = reference + 3 everywhere, + 7 more inside the mask: RMSE 3 outside, 10 inside.
  Image ref = Image::allocate2d(DType::I16, 20, 10), im = Image::allocate2d(DType::I16, 20, 10), mask = Image::allocate2d(DType::U8, 20, 10);
  for (std::int64_t y = 0; y < 10; ++y)
    for (std::int64_t x = 0; x < 20; ++x) {
      const bool in = x < 5;
      ref.at<std::int16_t>(x, y) = std::int16_t(-1000 + 10 * x);
      im.at<std::int16_t>(x, y) = std::int16_t(-1000 + 10 * x + 3 + (in ? 7 : 0));
      mask.at<std::uint8_t>(x, y) = in;
    }
  EXPECT_NEAR(rmse(im, ref, &mask), 10.0, 1e-12);
  const double mse = (50 * 100.0 + 150 * 9.0) / 200;
  EXPECT_NEAR(rmse(im, ref), std::sqrt(mse), 1e-12);
  EXPECT_NEAR(psnr(im, ref, 400), 10 * std::log10(400.0 * 400.0 / mse), 1e-12);
  EXPECT_DOUBLE_EQ(default_data_range(ref), 65535.0);  // int16 with negative values: max − min
}

TEST(Quality, DefaultRangeOfFloatsIsTheReferenceRange) {
  Image ref = Image::allocate2d(DType::F32, 4, 4);
  ref.at<float>(1, 1) = -1000.f;
  ref.at<float>(2, 3) = 2000.f;
  EXPECT_DOUBLE_EQ(default_data_range(ref), 3000.0);
  EXPECT_THROW(default_data_range(Image::allocate2d(DType::F32, 4, 4)), InputError);
}

TEST(Quality, TooSmallOrMismatchedIsAnError) {
  const Image a = Image::allocate2d(DType::F32, 10, 40), b = Image::allocate2d(DType::F32, 40, 10);
  EXPECT_THROW(ssim(a, a, 1), InputError);
  EXPECT_THROW(ms_ssim(a, a, 1), InputError);
  EXPECT_THROW(psnr(a, b, 1), InputError);
}
