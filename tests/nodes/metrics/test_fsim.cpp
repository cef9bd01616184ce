// FSIM: properties with known answers (identical images give 1; more noise, lower FSIM) and
// agreement with an independent numpy implementation (fsim_reference.py, double precision; ours
// uses single-precision FFTs), on the Colin27 slice and on a 400x416 image that takes FSIM's
// 2x down-sampling path.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "metrics.hpp"
#include "metrics_test_util.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::metrics;
namespace fs = std::filesystem;

namespace {

constexpr const char* kCh2 = "/usr/share/mricron/templates/ch2.nii.gz";

Image with_noise(const Image& im, double sigma, std::uint32_t seed) {
  Image out = im.astype(DType::F64);
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0.0, sigma);
  for (std::int64_t i = 0; i < out.size(); ++i) out.data<double>()[i] += n(rng);
  return out;
}

// Smooth shapes with sharp edges: a bright disc, a dark bar, a gentle ramp, values in 0..255.
Image phantom(std::int64_t nx, std::int64_t ny) {
  Image im = Image::allocate2d(DType::F64, nx, ny);
  for (std::int64_t y = 0; y < ny; ++y)
    for (std::int64_t x = 0; x < nx; ++x) {
      double v = 40 + 0.2 * double(x);
      if (std::hypot(double(x) - 0.4 * double(nx), double(y) - 0.5 * double(ny)) < 0.25 * double(nx)) v += 120;
      if (x > nx * 2 / 3 && x < nx * 2 / 3 + 20) v -= 30;
      v += 20 * std::sin(double(y) / 9.0);
      im.at<double>(x, y) = v;
    }
  return im;
}

double numpy_fsim(const Image& a, const Image& b, double range, const fs::path& dir) {
  mtest::write_raw(dir / "a.raw", a);
  mtest::write_raw(dir / "b.raw", b);
  std::string out;
  const std::string cmd = "/usr/bin/python3 " + mtest::script("fsim_reference.py").string() + " " + (dir / "a.raw").string() +
                          " " + (dir / "b.raw").string() + " " + std::to_string(a.ny()) + " " + std::to_string(a.nx()) + " " +
                          std::to_string(range);
  if (test::run_command(cmd, &out) != 0) throw std::runtime_error(out);
  return std::stod(out);
}

Image ch2_slice(const fs::path& dir) {
  std::string log;
  const std::string cmd = "/usr/bin/python3 " + mtest::script("quality_reference.py").string() + " " + dir.string();
  if (test::run_command(cmd, &log) != 0) throw std::runtime_error(log);
  return mtest::read_raw(dir / "ref.raw", 181, 217);
}

bool have_python() { return test::python_has("scipy.signal") && test::python_has("nibabel") && test::python_has("skimage") && fs::exists(kCh2); }

}  // namespace

TEST(Fsim, IdenticalImagesGiveOne) {
  const Image a = phantom(96, 80);
  EXPECT_NEAR(fsim(a, a, 255), 1.0, 1e-12);
}

TEST(Fsim, DecreasesWithNoise) {
  const Image a = phantom(128, 120);
  double previous = 1.0;
  for (double sigma : {2.0, 5.0, 10.0, 20.0, 40.0}) {
    const double f = fsim(with_noise(a, sigma, 7), a, 255);
    EXPECT_LT(f, previous) << "sigma " << sigma;
    EXPECT_GT(f, 0.0);
    previous = f;
  }
}

TEST(Fsim, InvariantToTheIntensityScaleGivenItsRange) {
  // data_range rescales to 8 bits: ×10 intensities with ×10 range is the same comparison.
  const Image a = phantom(96, 80), b = with_noise(a, 10, 3);
  Image a10 = a.clone(), b10 = b.clone();
  for (std::int64_t i = 0; i < a.size(); ++i) a10.data<double>()[i] *= 10, b10.data<double>()[i] *= 10;
  EXPECT_NEAR(fsim(b10, a10, 2550), fsim(b, a, 255), 1e-4);
}

TEST(Fsim, MatchesNumpyOnAnMrSlice) {
  if (!have_python()) GTEST_SKIP() << "/usr/bin/python3 with scipy, scikit-image and nibabel, or " << kCh2 << ", is missing";
  const fs::path dir = test::scratch_dir("metrics_fsim");
  const Image ref = ch2_slice(dir);
  for (double sigma : {8.0, 25.0}) {
    const Image noisy = with_noise(ref, sigma, 11);
    const double ours = fsim(noisy, ref, 255), theirs = numpy_fsim(noisy, ref, 255, dir);
    std::printf("FSIM Colin27 z=90 sigma %.0f: ours %.6f numpy %.6f\n", sigma, ours, theirs);
    EXPECT_NEAR(ours, theirs, 1e-4) << "sigma " << sigma;
  }
}

TEST(Fsim, MatchesNumpyWithDownsampling) {
  if (!have_python()) GTEST_SKIP() << "/usr/bin/python3 with scipy is missing";
  const fs::path dir = test::scratch_dir("metrics_fsim_big");
  const Image a = phantom(416, 400), b = with_noise(a, 15, 5);  // min side 400: F = round(400/256) = 2
  const double ours = fsim(b, a, 255), theirs = numpy_fsim(b, a, 255, dir);
  std::printf("FSIM 416x400 phantom sigma 15: ours %.6f numpy %.6f\n", ours, theirs);
  EXPECT_NEAR(ours, theirs, 1e-4);
}
