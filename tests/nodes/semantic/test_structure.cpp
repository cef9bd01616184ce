// semantic.structure on constructed images with known answers: a bright disc is one lesion-like
// region at its centre with the LoG radius (r ≈ √2·σ); a flat image (noiseless or noisy) gives
// M ≈ 0; a step edge gives high M along the edge and low M away from it, and no spot; the noise
// estimate recovers the σ of added Gaussian noise.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mirflow_semantic/structure.hpp"

using namespace mirflow;
using namespace mirflow::semantic;

namespace {
Image image(std::int64_t nx, std::int64_t ny, double noise, unsigned seed, double (*f)(double, double)) {
  Image im = Image::allocate2d(DType::F32, nx, ny);
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0, 1);
  for (std::int64_t y = 0; y < ny; ++y)
    for (std::int64_t x = 0; x < nx; ++x) im.at<float>(x, y) = static_cast<float>(f(x + 0.5, y + 0.5) + noise * n(rng));
  return im;
}
double flat(double, double) { return 100; }
double step(double x, double) { return x < 32 ? 0 : 100; }
double disc(double x, double y) { return std::hypot(x - 30.5, y - 34.5) <= 6 ? 200 : 50; }
double mean_over(const Image& m, std::int64_t x0, std::int64_t x1, std::int64_t y0, std::int64_t y1) {
  double s = 0;
  for (std::int64_t y = y0; y < y1; ++y)
    for (std::int64_t x = x0; x < x1; ++x) s += m.at<float>(x, y);
  return s / static_cast<double>((x1 - x0) * (y1 - y0));
}
}  // namespace

TEST(Structure, NoiseEstimateRecoversSigma) {
  for (double sigma : {1.0, 5.0}) {
    const Image im = image(128, 128, sigma, 3, flat);
    EXPECT_NEAR(estimate_noise(plane_of(im)), sigma, 0.06 * sigma);
  }
  // Edges barely move the robust estimate.
  EXPECT_NEAR(estimate_noise(plane_of(image(128, 128, 2.0, 4, step))), 2.0, 0.15);
}

TEST(Structure, FlatImageNeedsNothingPreserved) {
  const SemanticMap clean = structure_map(image(64, 64, 0, 1, flat), {});
  for (std::int64_t i = 0; i < clean.map.size(); ++i) ASSERT_EQ(clean.map.data<float>()[i], 0.0f);
  EXPECT_TRUE(clean.regions.empty());
  const SemanticMap noisy = structure_map(image(64, 64, 2.0, 2, flat), {});
  EXPECT_LT(mean_over(noisy.map, 0, 64, 0, 64), 0.03);
  EXPECT_TRUE(noisy.regions.empty()) << noisy.regions.size() << " spots in pure noise";
}

TEST(Structure, StepEdgeIsPreservedAlongTheEdgeOnly) {
  const SemanticMap m = structure_map(image(64, 48, 2.0, 5, step), {});
  for (std::int64_t y = 4; y < 44; ++y) {
    EXPECT_GT(m.map.at<float>(31, y), 0.9f) << y;
    EXPECT_GT(m.map.at<float>(32, y), 0.9f) << y;
  }
  EXPECT_LT(mean_over(m.map, 0, 24, 0, 48), 0.05);
  EXPECT_LT(mean_over(m.map, 40, 64, 0, 48), 0.05);
  EXPECT_TRUE(m.regions.empty()) << "a straight edge is not a spot";
}

TEST(Structure, BrightDiscIsOneLesionRegionAtItsCentre) {
  const SemanticMap m = structure_map(image(64, 64, 1.0, 6, disc), {});
  ASSERT_EQ(m.regions.size(), 1u);
  const Region& r = m.regions[0];
  EXPECT_EQ(r.texture, Texture::Lesion);
  EXPECT_NEAR((r.box.x0 + r.box.x1) / 2, 30.5, 1.0);
  EXPECT_NEAR((r.box.y0 + r.box.y1) / 2, 34.5, 1.0);
  const double radius = (r.box.x1 - r.box.x0) / 2;  // the LoG's best scale for a disc of radius 6: σ = 6/√2
  EXPECT_GT(radius, 6 * 0.7);
  EXPECT_LT(radius, 6 * 1.4);
  EXPECT_GE(r.priority, 0.5);
  EXPECT_GE(m.map.at<float>(30, 34), static_cast<float>(r.priority) - 1e-6f);
  EXPECT_LT(mean_over(m.map, 0, 10, 0, 10), 0.05);  // far corner: background
  EXPECT_EQ(m.provider, "structure");
}

TEST(Structure, VolumeIsMappedSliceBySlice) {
  const Image s = image(48, 40, 1.0, 8, step);
  Image v = Image::allocate3d(DType::F32, 48, 40, 2);
  for (std::int64_t y = 0; y < 40; ++y)
    for (std::int64_t x = 0; x < 48; ++x) v.at<float>(x, y, 0) = v.at<float>(x, y, 1) = s.at<float>(x, y);
  const SemanticMap m3 = structure_map(v, {}), m2 = structure_map(s, {});
  for (std::int64_t y = 0; y < 40; ++y)
    for (std::int64_t x = 0; x < 48; ++x) {
      ASSERT_EQ(m3.map.at<float>(x, y, 0), m2.map.at<float>(x, y));
      ASSERT_EQ(m3.map.at<float>(x, y, 1), m2.map.at<float>(x, y));
    }
}
