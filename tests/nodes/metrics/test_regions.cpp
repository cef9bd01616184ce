// Noise reduction and per-region HU bias on constructed images with exact answers.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include <mirflow/error.hpp>

#include "metrics.hpp"

using namespace mirflow;
using namespace mirflow::metrics;

namespace {

// A 3-D "CT" volume: water (0 HU) with noise, a region of 60 HU.
Image noisy_volume(std::uint32_t seed) {
  Image im = Image::allocate3d(DType::F32, 24, 20, 6);
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0.f, 20.f);
  for (std::int64_t z = 0; z < 6; ++z)
    for (std::int64_t y = 0; y < 20; ++y)
      for (std::int64_t x = 0; x < 24; ++x) im.at<float>(x, y, z) = (x >= 12 ? 60.f : 0.f) + n(rng);
  return im;
}

}  // namespace

TEST(NoiseReduction, ScaledNoiseGivesTheScale) {
  // denoised = 30 + (noisy − 30)/4 everywhere: the standard deviation drops exactly 4×.
  const Image noisy = noisy_volume(1);
  Image denoised = Image::allocate3d(DType::F64, 24, 20, 6);
  for (std::int64_t i = 0; i < noisy.size(); ++i) denoised.data<double>()[i] = 30 + (noisy.data<float>()[i] - 30) / 4.0;
  EXPECT_NEAR(noise_reduction(noisy, denoised, box_from_list({2, 3, 1, 10, 15, 5}, noisy, "roi")), 4.0, 1e-9);
  Image mask = Image::allocate3d(DType::U8, 24, 20, 6);
  for (std::int64_t z = 0; z < 6; ++z) mask.at<std::uint8_t>(14, 5, z) = mask.at<std::uint8_t>(20, 9, z) = 1;
  EXPECT_NEAR(noise_reduction(noisy, denoised, mask), 4.0, 1e-9);
}

TEST(NoiseReduction, RegionStdByHand) {
  // In the box, noisy holds 0, 2 (std 1) and denoised 5, 5.5 (std 0.25): ratio 4.
  Image noisy = Image::allocate2d(DType::F32, 4, 1), den = Image::allocate2d(DType::F32, 4, 1);
  noisy.at<float>(1, 0) = 0, noisy.at<float>(2, 0) = 2, noisy.at<float>(3, 0) = 100;
  den.at<float>(1, 0) = 5, den.at<float>(2, 0) = 5.5f, den.at<float>(3, 0) = -7;
  EXPECT_NEAR(noise_reduction(noisy, den, box_from_list({1, 0, 3, 1}, noisy, "roi")), 4.0, 1e-12);
}

TEST(NoiseReduction, BadBoxesAreErrors) {
  const Image im = Image::allocate2d(DType::F32, 10, 8);
  EXPECT_THROW(box_from_list({0, 0, 11, 8}, im, "roi"), InputError);   // outside
  EXPECT_THROW(box_from_list({3, 0, 3, 8}, im, "roi"), InputError);    // empty
  EXPECT_THROW(box_from_list({0, 0, 4}, im, "roi"), InputError);       // 3 numbers
  EXPECT_THROW(box_from_list({0, 0.5, 4, 4}, im, "roi"), InputError);  // not an index
}

TEST(RegionBias, OffsetsPerLabel) {
  // Label 1: +5 HU everywhere; label 2: −12 on half its voxels, +4 on the other half (mean −4).
  Image ref = Image::allocate2d(DType::I16, 10, 4), im = Image::allocate2d(DType::F32, 10, 4), labels = Image::allocate2d(DType::U8, 10, 4);
  for (std::int64_t y = 0; y < 4; ++y)
    for (std::int64_t x = 0; x < 10; ++x) {
      ref.at<std::int16_t>(x, y) = std::int16_t(-1000 + 37 * x + y);
      double d = 0;
      std::uint8_t l = 0;
      if (x < 3) l = 1, d = 5;
      if (x >= 6) l = 2, d = y % 2 ? -12 : 4;
      labels.at<std::uint8_t>(x, y) = l;
      im.at<float>(x, y) = float(ref.at<std::int16_t>(x, y) + d + (l == 0 ? 1000 : 0));  // unlabelled: ignored
    }
  const auto bias = region_bias(im, ref, labels);
  ASSERT_EQ(bias.size(), 2u);
  EXPECT_NEAR(bias.at(1).mean_difference, 5.0, 1e-9);
  EXPECT_EQ(bias.at(1).voxels, 12);
  EXPECT_NEAR(bias.at(2).mean_difference, -4.0, 1e-9);
  EXPECT_EQ(bias.at(2).voxels, 16);
}
