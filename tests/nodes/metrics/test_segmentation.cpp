// Dice, Hausdorff and mean surface distance: analytic answers on squares and discs (anisotropic
// spacing), the distance transform against brute force, and 3-D masks against scipy.ndimage
// (binary_erosion surfaces, distance_transform_edt with sampling).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include "metrics.hpp"
#include "metrics_test_util.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::metrics;
namespace fs = std::filesystem;

namespace {

Image square(std::int64_t n, std::int64_t x0, std::int64_t y0, std::int64_t side, double sx, double sy) {
  Image m = Image::allocate2d(DType::U8, n, n);
  m.geometry().spacing = {sx, sy, 1.0};
  for (std::int64_t y = y0; y < y0 + side; ++y)
    for (std::int64_t x = x0; x < x0 + side; ++x) m.at<std::uint8_t>(x, y) = 1;
  return m;
}

Image disc(std::int64_t n, double cx, double cy, double r) {
  Image m = Image::allocate2d(DType::U8, n, n);
  for (std::int64_t y = 0; y < n; ++y)
    for (std::int64_t x = 0; x < n; ++x) m.at<std::uint8_t>(x, y) = std::hypot(double(x) - cx, double(y) - cy) <= r;
  return m;
}

}  // namespace

TEST(Segmentation, ShiftedSquares) {
  // 20×20 squares, the second 3 pixels further along x; spacing 0.7 × 1.3 mm.
  const Image a = square(50, 10, 10, 20, 0.7, 1.3), b = square(50, 13, 10, 20, 0.7, 1.3);
  EXPECT_NEAR(dice(a, b), 17.0 / 20.0, 1e-12);  // overlap 17×20 of 2×400 / 2
  const SurfaceDistances d = surface_distances(a, b);
  ASSERT_TRUE(d.hausdorff_mm && d.mean_mm);
  EXPECT_NEAR(*d.hausdorff_mm, 3 * 0.7, 1e-12);
  // Per square, 76 surface pixels. Of the 18 inner pixels of each side column, 16 are 3 px (x) from
  // the other square's parallel column, and the two next to a corner are 1 px (y) from the other
  // square's top or bottom row; the other square's parallel column is 3 px away for all 18 of the
  // other column. Top and bottom rows: 17 pixels lie on the other surface, 3 are 1, 2, 3 px away.
  const double per_square = (18 + 16) * 3 * 0.7 + 2 * 1.3 + 2 * (1 + 2 + 3) * 0.7;
  EXPECT_NEAR(*d.mean_mm, per_square / 76.0, 1e-12);
}

TEST(Segmentation, ConcentricDiscs) {
  const Image a = disc(80, 40, 40, 20), b = disc(80, 40, 40, 25);
  EXPECT_NEAR(dice(a, b), 2.0 * 400 / (400 + 625), 0.01);
  const SurfaceDistances d = surface_distances(a, b);
  EXPECT_NEAR(*d.hausdorff_mm, 5.0, 1.0);  // the rasterised circles are within a pixel of 5 apart
  EXPECT_NEAR(*d.mean_mm, 5.0, 0.5);
}

TEST(Segmentation, EmptyMasks) {
  const Image empty = Image::allocate2d(DType::U8, 8, 8), one = square(8, 2, 2, 3, 1, 1);
  EXPECT_DOUBLE_EQ(dice(empty, empty), 1.0);
  EXPECT_DOUBLE_EQ(dice(empty, one), 0.0);
  EXPECT_FALSE(surface_distances(empty, one).hausdorff_mm.has_value());
  EXPECT_DOUBLE_EQ(*surface_distances(empty, empty).hausdorff_mm, 0.0);
}

TEST(Segmentation, LabelSelectsOneRegion) {
  Image a = square(30, 2, 2, 10, 1, 1), b = square(30, 2, 2, 10, 1, 1);
  for (std::int64_t y = 15; y < 25; ++y)
    for (std::int64_t x = 15; x < 25; ++x) a.at<std::uint8_t>(x, y) = 2;
  EXPECT_DOUBLE_EQ(dice(a, b, 1), 1.0);
  EXPECT_NEAR(dice(a, b, 0), 200.0 / 300.0, 1e-12);
}

TEST(Segmentation, DistanceTransformMatchesBruteForce) {
  const std::array<std::int64_t, 3> shape{17, 13, 5};
  const std::array<double, 3> spacing{0.6, 1.1, 2.3};
  std::mt19937 rng(9);
  std::vector<std::uint8_t> seed(static_cast<std::size_t>(17 * 13 * 5), 0);
  for (int i = 0; i < 12; ++i) seed[rng() % seed.size()] = 1;
  const std::vector<double> d = distance_to(seed, shape, spacing);
  for (std::int64_t i = 0; i < std::int64_t(seed.size()); ++i) {
    double best = INFINITY;
    for (std::int64_t j = 0; j < std::int64_t(seed.size()); ++j)
      if (seed[std::size_t(j)]) {
        const double dx = double(i % 17 - j % 17) * 0.6, dy = double((i / 17) % 13 - (j / 17) % 13) * 1.1,
                     dz = double(i / 221 - j / 221) * 2.3;
        best = std::min(best, std::sqrt(dx * dx + dy * dy + dz * dz));
      }
    ASSERT_NEAR(d[std::size_t(i)], best, 1e-12) << "pixel " << i;
  }
}

TEST(Segmentation, VolumesMatchScipy) {
  if (!test::python_has("scipy.ndimage")) GTEST_SKIP() << "/usr/bin/python3 with scipy is not available";
  const fs::path dir = test::scratch_dir("metrics_seg");
  // An ellipsoid and a shifted, larger sphere-like blob with a bump: 40×36×20, 0.8×1.0×2.5 mm.
  Image a = Image::allocate3d(DType::U8, 40, 36, 20), b = Image::allocate3d(DType::U8, 40, 36, 20);
  b.geometry().spacing = {0.8, 1.0, 2.5};
  for (std::int64_t z = 0; z < 20; ++z)
    for (std::int64_t y = 0; y < 36; ++y)
      for (std::int64_t x = 0; x < 40; ++x) {
        const double px = x * 0.8, py = y * 1.0, pz = z * 2.5;
        a.at<std::uint8_t>(x, y, z) = std::pow((px - 15) / 10, 2) + std::pow((py - 17) / 8, 2) + std::pow((pz - 24) / 15, 2) <= 1;
        b.at<std::uint8_t>(x, y, z) = std::pow((px - 17) / 11, 2) + std::pow((py - 18) / 10, 2) + std::pow((pz - 22) / 14, 2) <= 1 ||
                                      (x > 30 && x < 35 && y > 15 && y < 20 && z > 8 && z < 12);
      }
  mtest::write_raw(dir / "a.raw", a);
  mtest::write_raw(dir / "b.raw", b);
  const std::string cmd =
      "/usr/bin/python3 -c \"import numpy as np, scipy.ndimage as nd; d='" + dir.string() +
      "'; sp=(2.5,1.0,0.8)\n"
      "a=np.fromfile(d+'/a.raw').reshape(20,36,40)>0; b=np.fromfile(d+'/b.raw').reshape(20,36,40)>0\n"
      "st=nd.generate_binary_structure(3,1)\n"
      "sa=a&~nd.binary_erosion(a,st,border_value=0); sb=b&~nd.binary_erosion(b,st,border_value=0)\n"
      "da=nd.distance_transform_edt(~sb,sampling=sp)[sa]; db=nd.distance_transform_edt(~sa,sampling=sp)[sb]\n"
      "print(repr(2*(a&b).sum()/(a.sum()+b.sum())), repr(max(da.max(),db.max())), repr((da.sum()+db.sum())/(da.size+db.size)))\"";
  std::string out;
  ASSERT_EQ(test::run_command(cmd, &out), 0) << out;
  double dice_ref = 0, hd_ref = 0, msd_ref = 0;
  ASSERT_EQ(std::sscanf(out.c_str(), "%lf %lf %lf", &dice_ref, &hd_ref, &msd_ref), 3) << out;
  const SurfaceDistances d = surface_distances(a, b);
  std::printf("3-D masks: dice %.6f (scipy %.6f), hausdorff %.4f mm (%.4f), msd %.4f mm (%.4f)\n", dice(a, b), dice_ref,
              *d.hausdorff_mm, hd_ref, *d.mean_mm, msd_ref);
  EXPECT_NEAR(dice(a, b), dice_ref, 1e-12);
  EXPECT_NEAR(*d.hausdorff_mm, hd_ref, 1e-9);
  EXPECT_NEAR(*d.mean_mm, msd_ref, 1e-9);
  EXPECT_GT(hd_ref, 2.5);  // the bump makes the Hausdorff distance much larger than the MSD
}
