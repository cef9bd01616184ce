// fusion.semantic and fusion.beta_map on constructed inputs with known answers: the linear blend
// is exact per pixel, M = 0 / 1 select smooth / detail, attention with a constant difference d
// scales M by (1 − s) + s·d²/(d² + κ²), β = scale·(b_min + (1 − M)(1 − b_min)); and the nodes in
// a graph give the same numbers.
#include <gtest/gtest.h>

#include <fstream>

#include "blend.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::fusion;

namespace {
Image filled(std::int64_t nx, std::int64_t ny, float (*f)(std::int64_t, std::int64_t)) {
  Image im = Image::allocate2d(DType::F32, nx, ny);
  for (std::int64_t y = 0; y < ny; ++y)
    for (std::int64_t x = 0; x < nx; ++x) im.at<float>(x, y) = f(x, y);
  return im;
}
float detail_f(std::int64_t x, std::int64_t y) { return static_cast<float>(10 + x * y % 7); }
float smooth_f(std::int64_t x, std::int64_t) { return static_cast<float>(2 * x); }
float map_f(std::int64_t x, std::int64_t y) { return static_cast<float>((x + 2 * y) % 5) / 4.0f; }
}  // namespace

TEST(Fusion, LinearBlendIsExactPerPixel) {
  const Image d = filled(9, 7, detail_f), s = filled(9, 7, smooth_f), m = filled(9, 7, map_f);
  check_inputs(d, s, m);
  const Image x = blend(d, s, m);
  for (int y = 0; y < 7; ++y)
    for (int i = 0; i < 9; ++i) {
      const double mm = map_f(i, y);
      ASSERT_FLOAT_EQ(x.at<float>(i, y), static_cast<float>(mm * detail_f(i, y) + (1 - mm) * smooth_f(i, y)));
      if (mm == 0) {
        ASSERT_EQ(x.at<float>(i, y), smooth_f(i, y));
      }
      if (mm == 1) {
        ASSERT_EQ(x.at<float>(i, y), detail_f(i, y));
      }
    }
}

TEST(Fusion, InputsAreChecked) {
  const Image d = filled(9, 7, detail_f), s = filled(8, 7, smooth_f), m = filled(9, 7, map_f);
  EXPECT_THROW(check_inputs(d, s, m), std::invalid_argument);
  Image bad = filled(9, 7, map_f);
  bad.at<float>(3, 3) = 1.5f;
  EXPECT_THROW(check_inputs(d, filled(9, 7, smooth_f), bad), std::invalid_argument);
}

TEST(Fusion, AttentionWithAConstantDifferenceScalesM) {
  // detail − smooth = 3 everywhere: e = 9 exactly (a normalised Gaussian of a constant).
  const Image s = filled(12, 10, smooth_f), m = filled(12, 10, map_f);
  Image d = s.clone();
  for (std::int64_t i = 0; i < d.size(); ++i) d.data<float>()[i] += 3.0f;
  Attention a;
  a.strength = 0.6;
  a.kappa = 4;
  const Image w = attention_weight(d, s, m, a);
  const double factor = (1 - 0.6) + 0.6 * 9.0 / (9.0 + 16.0);
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 12; ++x) ASSERT_NEAR(w.at<float>(x, y), map_f(x, y) * factor, 1e-6);
  // Identical inputs: attention removes the fraction s of M; the blend is then smooth anyway.
  const Image w0 = attention_weight(s, s, m, a);
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 12; ++x) ASSERT_NEAR(w0.at<float>(x, y), map_f(x, y) * 0.4, 1e-6);
  // κ unset: the median of √e, here 3 → factor (1 − s) + s/2.
  a.kappa = -1;
  const Image wm = attention_weight(d, s, m, a);
  EXPECT_NEAR(wm.at<float>(5, 5), map_f(5, 5) * (0.4 + 0.3), 1e-6);
}

TEST(Fusion, BetaMapRegularisesLessWherePreservationMatters) {
  const Image m = filled(6, 5, map_f);
  const Image b = beta_from_map(m, 0.2, 3.0);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 6; ++x) ASSERT_NEAR(b.at<float>(x, y), 3.0 * (0.2 + (1 - map_f(x, y)) * 0.8), 1e-6);
  // M = 1 → b_min·scale, M = 0 → scale.
  EXPECT_NEAR(b.at<float>(4, 0), 0.6, 1e-6);  // map_f(4, 0) = 1
  EXPECT_NEAR(b.at<float>(0, 0), 3.0, 1e-6);  // map_f(0, 0) = 0
}

TEST(Fusion, NodesInAGraph) {
  // test.source gives 4×4 constant images (item i filled with i): detail = 4i, smooth = i. The
  // map is fusion.beta_map of a zero image (b_min 0.5, scale 0.5): β = 0.5·(0.5 + 1·0.5) = 0.5,
  // used as M = 0.5, so x = 0.5·4i + 0.5·i = 2.5i: a pixel sum of 16·2.5i; the β image sums to 8.
  const auto dir = mirflow::test::scratch_dir("fusion_nodes");
  mirflow::test::run_string(R"([graph]
edges = ["src.image -> detail.image", "src.image -> smooth.image", "src.image -> half.image",
         "half.image -> beta.map", "detail.image -> fuse.detail", "smooth.image -> fuse.smooth", "beta.beta -> fuse.map",
         "fuse.image -> rec.image", "beta.beta -> recb.image"]
[[node]]
id = "src"
type = "test.source"
count = 3
[[node]]
id = "detail"
type = "test.scale"
factor = 4.0
[[node]]
id = "smooth"
type = "test.scale"
factor = 1.0
[[node]]
id = "half"
type = "test.scale"
factor = 0.0
[[node]]
id = "beta"
type = "fusion.beta_map"
b_min = 0.5
scale = 0.5
[[node]]
id = "fuse"
type = "fusion.semantic"
[[node]]
id = "rec"
type = "test.record"
path = "fused.txt"
[[node]]
id = "recb"
type = "test.record"
path = "beta.txt"
)",
                            dir, {"rec.path=" + (dir / "fused.txt").string(), "recb.path=" + (dir / "beta.txt").string()});
  std::ifstream f(dir / "fused.txt"), b(dir / "beta.txt");
  std::string key;
  double sum = 0;
  int n = 0;
  while (f >> key >> sum) {
    const int i = std::stoi(key.substr(key.find('=') + 1));
    EXPECT_DOUBLE_EQ(sum, 16 * 2.5 * i) << key;
    ++n;
  }
  EXPECT_EQ(n, 3);
  while (b >> key >> sum) EXPECT_DOUBLE_EQ(sum, 8.0) << key;
}
