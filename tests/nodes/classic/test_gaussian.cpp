// Gaussian smoothing against scipy.ndimage.gaussian_filter (an independent implementation).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include "gaussian_filter.hpp"
#include "test_support.hpp"

using namespace mirflow;
namespace fs = std::filesystem;

TEST(Gaussian, KernelIsNormalisedAndSymmetric) {
  auto w = classic::gaussian_kernel(1.5, 4.0);
  ASSERT_EQ(w.size(), 13u);  // radius int(4·1.5 + 0.5) = 6
  double s = 0;
  for (double x : w) s += x;
  EXPECT_NEAR(s, 1.0, 1e-12);
  for (std::size_t i = 0; i < w.size(); ++i) EXPECT_DOUBLE_EQ(w[i], w[w.size() - 1 - i]);
}

TEST(Gaussian, ConstantImageStaysConstant) {
  Image im = Image::allocate2d(DType::U16, 7, 5);
  for (std::int64_t y = 0; y < 5; ++y)
    for (std::int64_t x = 0; x < 7; ++x) im.at<std::uint16_t>(x, y) = 300;
  Image out = classic::gaussian_filter(im, {2.0, 2.0, 0});
  for (std::int64_t y = 0; y < 5; ++y)
    for (std::int64_t x = 0; x < 7; ++x) EXPECT_NEAR(out.at<float>(x, y), 300.f, 1e-3);
}

TEST(Gaussian, MatchesScipy) {
  if (!mirflow::test::python_has("scipy.ndimage")) GTEST_SKIP() << "/usr/bin/python3 with scipy is not available";
  const fs::path dir = mirflow::test::scratch_dir("gauss");
  const std::int64_t nx = 23, ny = 17, nz = 5;
  Image im = Image::allocate3d(DType::F32, nx, ny, nz);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-50.f, 200.f);
  {
    std::ofstream raw(dir / "in.raw", std::ios::binary);
    for (std::int64_t i = 0; i < im.size(); ++i) {
      im.data<float>()[i] = u(rng);
      raw.write(reinterpret_cast<const char*>(&im.data<float>()[i]), 4);
    }
  }
  Image out = classic::gaussian_filter(im, {1.3, 2.1, 0.8}, 4.0);
  // scipy works on (z, y, x) arrays: sigma order reversed.
  std::string cmd = "/usr/bin/python3 -c \"import numpy as np, scipy.ndimage as nd; "
                    "a=np.fromfile('" + (dir / "in.raw").string() + "', dtype=np.float32).reshape(5,17,23).astype(np.float64); "
                    "nd.gaussian_filter(a, sigma=(0.8,2.1,1.3), mode='reflect', truncate=4.0).astype(np.float32).tofile('" +
                    (dir / "ref.raw").string() + "')\"";
  std::string log;
  ASSERT_EQ(mirflow::test::run_command(cmd, &log), 0) << log;
  std::ifstream ref(dir / "ref.raw", std::ios::binary);
  double max_err = 0;
  for (std::int64_t i = 0; i < out.size(); ++i) {
    float r;
    ref.read(reinterpret_cast<char*>(&r), 4);
    max_err = std::max(max_err, std::abs(static_cast<double>(r) - out.data<float>()[i]));
  }
  EXPECT_LT(max_err, 1e-3);  // float32 output of values up to 200
}
