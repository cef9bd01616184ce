// The small pieces under the semantic providers: SHA-256 and base64 against their published test
// vectors, the feathered box weight and the rasteriser against hand-computed values, the regions'
// JSON round trip and the Gaussian-family kernels against exact moments.
#include <gtest/gtest.h>

#include <random>

#include "mirflow_semantic/base64.hpp"
#include "mirflow_semantic/box_raster.hpp"
#include "mirflow_semantic/plane.hpp"
#include "mirflow_semantic/semantic_map.hpp"
#include "mirflow_semantic/sha256.hpp"

using namespace mirflow;
using namespace mirflow::semantic;

TEST(Sha256, FipsVectors) {
  // FIPS 180-4 examples (NIST CSRC "SHA256.pdf").
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 h;  // one million 'a', fed in uneven pieces to cross block boundaries
  const std::string chunk(997, 'a');
  std::size_t left = 1000000;
  while (left > 0) {
    const std::size_t n = std::min(left, chunk.size());
    h.update(chunk.data(), n);
    left -= n;
  }
  EXPECT_EQ(h.hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Base64, Rfc4648VectorsAndRoundTrip) {
  const std::pair<const char*, const char*> v[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                   {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : v) {
    EXPECT_EQ(base64_encode(plain), coded);
    EXPECT_EQ(base64_decode(coded), plain);
  }
  std::mt19937 rng(7);
  std::string bytes(1001, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
  EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
  EXPECT_THROW(base64_decode("Zm9"), std::invalid_argument);
  EXPECT_THROW(base64_decode("Zm9*"), std::invalid_argument);
}

TEST(BoxRaster, FeatheredWeightIsALinearRampCentredOnTheEdge) {
  // Box [10, 20), feather 4: ramp from 8 (0) to 12 (1), ½ at 10; symmetric at 20.
  EXPECT_DOUBLE_EQ(feathered(15, 10, 20, 4), 1.0);
  EXPECT_DOUBLE_EQ(feathered(10, 10, 20, 4), 0.5);
  EXPECT_DOUBLE_EQ(feathered(9, 10, 20, 4), 0.25);
  EXPECT_DOUBLE_EQ(feathered(8, 10, 20, 4), 0.0);
  EXPECT_DOUBLE_EQ(feathered(21, 10, 20, 4), 0.25);
  EXPECT_DOUBLE_EQ(feathered(19.5, 10, 20, 0), 1.0);
  EXPECT_DOUBLE_EQ(feathered(20.0, 10, 20, 0), 0.0);
}

TEST(BoxRaster, OverlapsTakeTheMaximumAndPriorityScales) {
  Region a, b;
  a.box = {2, 2, 6, 6};
  a.priority = 0.4;
  b.box = {4, 0, 8, 8};
  b.priority = 0.9;
  const Image m = rasterise_regions({a, b}, 10, 8, 0);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 10; ++x) {
      const bool in_a = x >= 2 && x < 6 && y >= 2 && y < 6, in_b = x >= 4 && x < 8;
      const float expect = in_b ? 0.9f : in_a ? 0.4f : 0.0f;
      ASSERT_FLOAT_EQ(m.at<float>(x, y), expect) << x << "," << y;
    }
  // Feather 2 on a 4-pixel box: pixel centre 2.5 is ½ px inside the edge at 2 → weight ¾ per axis.
  const Image f = rasterise_regions({a}, 10, 8, 2);
  EXPECT_FLOAT_EQ(f.at<float>(2, 3), static_cast<float>(0.4 * 0.75 * 1.0));
  EXPECT_FLOAT_EQ(f.at<float>(2, 2), static_cast<float>(0.4 * 0.75 * 0.75));
  EXPECT_FLOAT_EQ(f.at<float>(0, 3), 0.0f);
}

TEST(SemanticMap, RegionsSurviveJson) {
  SemanticMap m;
  m.provider = "structure";
  m.confidence = 0.5;
  Region r;
  r.label = "left \"caudate\"";
  r.box = {1.5, 2, 30, 40.25};
  r.priority = 0.75;
  r.texture = Texture::Edge;
  m.regions = {r};
  const auto back = regions_from_json(to_json(m));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].label, r.label);
  EXPECT_DOUBLE_EQ(back[0].box.x0, 1.5);
  EXPECT_DOUBLE_EQ(back[0].box.y1, 40.25);
  EXPECT_DOUBLE_EQ(back[0].priority, 0.75);
  EXPECT_EQ(back[0].texture, Texture::Edge);
  EXPECT_THROW(texture_from_name("bone"), std::invalid_argument);
}

TEST(SemanticMap, CheckRejectsValuesOutsideTheUnitInterval) {
  SemanticMap m;
  m.map = Image::allocate2d(DType::F32, 3, 3);
  EXPECT_NO_THROW(check_semantic_map(m, "t"));
  m.map.at<float>(1, 2) = 1.5f;
  try {
    check_semantic_map(m, "node s");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("(1, 2, 0)"), std::string::npos) << e.what();
  }
}

TEST(Plane, KernelMomentsAreExact) {
  // Derivatives of polynomials away from the boundary: d/dx (3x + 2y) = 3, d²/dx² (x²/2) = 1,
  // the smoothing of a linear function is itself.
  Plane p(40, 30), q(40, 30);
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 40; ++x) {
      p(x, y) = static_cast<float>(3 * x + 2 * y);
      q(x, y) = static_cast<float>(0.5 * x * x);
    }
  const Plane dx = gaussian_derivative(p, 1.5, 1, 0), dy = gaussian_derivative(p, 1.5, 0, 1);
  const Plane s = gaussian_derivative(p, 1.5, 0, 0), dxx = gaussian_derivative(q, 1.5, 2, 0);
  for (int y = 10; y < 20; ++y)
    for (int x = 10; x < 30; ++x) {
      EXPECT_NEAR(dx(x, y), 3.0, 1e-4);
      EXPECT_NEAR(dy(x, y), 2.0, 1e-4);
      EXPECT_NEAR(s(x, y), p(x, y), 1e-3);
      EXPECT_NEAR(dxx(x, y), 1.0, 1e-3);
    }
}
