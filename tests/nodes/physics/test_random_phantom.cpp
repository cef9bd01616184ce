// physics::random_head_phantom, the physics.random_phantom node and physics.units: same (seed, index) → same
// bytes, different seeds or indices → different phantoms, and every tissue inside its HU range
// (checked on pixels whose 3×3 neighbourhood has one label, so partial volume is excluded).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>
#include <map>

#include "mirflow_physics/random_phantom.hpp"
#include "mirflow_physics/units.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::physics;

namespace {

// A little-endian float32 .npy (format 1.0/2.0): the data follow the header.
std::vector<float> read_npy_f32(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_GT(bytes.size(), 12u) << file;
  const bool v1 = bytes[6] == 1;
  const std::size_t header = v1 ? std::size_t(std::uint8_t(bytes[8])) | std::size_t(std::uint8_t(bytes[9])) << 8
                                : std::size_t(std::uint8_t(bytes[8])) | std::size_t(std::uint8_t(bytes[9])) << 8 |
                                      std::size_t(std::uint8_t(bytes[10])) << 16 | std::size_t(std::uint8_t(bytes[11])) << 24;
  const std::size_t start = (v1 ? 10 : 12) + header;
  EXPECT_NE(bytes.find("<f4"), std::string::npos) << file;
  std::vector<float> out((bytes.size() - start) / sizeof(float));
  std::memcpy(out.data(), bytes.data() + start, out.size() * sizeof(float));
  return out;
}

bool same_bytes(const Image& a, const Image& b) {
  return a.size() == b.size() && std::memcmp(a.data<float>(), b.data<float>(), a.size() * sizeof(float)) == 0;
}

struct Range {
  double lo, hi;
};

// The tissue ranges the generator promises (random_phantom.hpp).
const std::map<HeadTissue, Range> kRanges = {
    {HeadTissue::Air, {-1000, -1000}},     {HeadTissue::Bone, {800, 1500}},  {HeadTissue::Csf, {0, 15}},
    {HeadTissue::Brain, {20, 45}},         {HeadTissue::Lesion, {-10, 75}},  {HeadTissue::Calcification, {150, 600}},
};

}  // namespace

TEST(RandomPhantom, SameSeedAndIndexGiveTheSameBytes) {
  const RandomPhantom a = random_head_phantom(128, 128, 2.0, 2.0, 11, 3);
  const RandomPhantom b = random_head_phantom(128, 128, 2.0, 2.0, 11, 3);
  EXPECT_TRUE(same_bytes(a.hu, b.hu));
  EXPECT_EQ(std::memcmp(a.labels.data<std::uint8_t>(), b.labels.data<std::uint8_t>(), 128 * 128), 0);
}

TEST(RandomPhantom, SeedsAndIndicesGiveDifferentPhantoms) {
  const Image a = random_head_phantom(128, 128, 2.0, 2.0, 11, 3).hu;
  const Image b = random_head_phantom(128, 128, 2.0, 2.0, 12, 3).hu;
  const Image c = random_head_phantom(128, 128, 2.0, 2.0, 11, 4).hu;
  auto mean_abs_diff = [](const Image& x, const Image& y) {
    double s = 0;
    for (std::int64_t i = 0; i < x.size(); ++i) s += std::abs(x.data<float>()[i] - y.data<float>()[i]);
    return s / double(x.size());
  };
  // Different head outlines alone move tens of HU on average.
  EXPECT_GT(mean_abs_diff(a, b), 10.0);
  EXPECT_GT(mean_abs_diff(a, c), 10.0);
}

TEST(RandomPhantom, TissuesStayInTheirHuRanges) {
  for (std::uint64_t index = 0; index < 6; ++index) {
    const std::int64_t n = 192;
    const RandomPhantom p = random_head_phantom(n, n, 256.0 / double(n), 256.0 / double(n), 2026, index);
    const float* hu = p.hu.data<float>();
    const std::uint8_t* lab = p.labels.data<std::uint8_t>();
    std::map<HeadTissue, std::int64_t> interior;
    double brain_sum = 0, brain_sum2 = 0;
    for (std::int64_t j = 1; j + 1 < n; ++j)
      for (std::int64_t i = 1; i + 1 < n; ++i) {
        const std::uint8_t t = lab[j * n + i];
        bool pure = true;
        for (int dj = -1; dj <= 1; ++dj)
          for (int di = -1; di <= 1; ++di) pure = pure && lab[(j + dj) * n + i + di] == t;
        if (!pure) continue;
        const HeadTissue tissue = static_cast<HeadTissue>(t);
        const Range r = kRanges.at(tissue);
        const double v = hu[j * n + i];
        ASSERT_GE(v, r.lo - 1e-3) << "phantom " << index << " tissue " << int(t) << " at (" << i << ", " << j << ")";
        ASSERT_LE(v, r.hi + 1e-3) << "phantom " << index << " tissue " << int(t) << " at (" << i << ", " << j << ")";
        ++interior[tissue];
        if (tissue == HeadTissue::Brain) brain_sum += v, brain_sum2 += v * v;
      }
    // Every phantom has air, skull, CSF, brain and at least one lesion with a pure interior.
    for (HeadTissue t : {HeadTissue::Air, HeadTissue::Bone, HeadTissue::Csf, HeadTissue::Brain, HeadTissue::Lesion})
      EXPECT_GT(interior[t], 0) << "phantom " << index << " lacks tissue " << int(t);
    // Texture plus the grey/white step: a few HU of spread, not a flat region, not noise of tens of HU.
    const double nb = double(interior[HeadTissue::Brain]);
    const double sd = std::sqrt(brain_sum2 / nb - (brain_sum / nb) * (brain_sum / nb));
    EXPECT_GT(sd, 1.0) << "phantom " << index;
    EXPECT_LT(sd, 8.0) << "phantom " << index;
  }
}

TEST(RandomPhantom, NodeGivesHuOrMuAndKeysByIndex) {
  const auto dir = mirflow::test::scratch_dir("random_phantom_node");
  for (const char* units : {"hu", "mu"}) {
    const std::string toml = std::string(R"([graph]
edges = ["input.image -> output.image"]
[[node]]
id = "input"
type = "physics.random_phantom"
nx = 64
pixel_size = 4.0
count = 2
first = 5
seed = 9
units = ")") + units + R"("
[[node]]
id = "output"
type = "io.npy_write"
path = "out_)" + units + R"(_{key}.npy"
)";
    mirflow::test::run_string(toml, dir);
  }
  // physics.units: HU → µ by the node equals the source's own µ output.
  mirflow::test::run_string(R"([graph]
edges = ["input.image -> to_mu.image", "to_mu.image -> output.image"]
[[node]]
id = "input"
type = "physics.random_phantom"
nx = 64
pixel_size = 4.0
first = 5
seed = 9
[[node]]
id = "to_mu"
type = "physics.units"
to = "mu"
[[node]]
id = "output"
type = "io.npy_write"
path = "units_{key}.npy"
)", dir);
  EXPECT_EQ(read_npy_f32(dir / "units_phantom_s9_000005.npy"), read_npy_f32(dir / "out_mu_phantom_s9_000005.npy"));
  // Items are keyed by (seed, index); µ = µ_water (1 + HU/1000), and the node gives the library's phantom.
  for (std::int64_t index : {5, 6}) {
    char name[32];
    std::snprintf(name, sizeof name, "phantom_s9_%06lld.npy", static_cast<long long>(index));
    const std::vector<float> hu = read_npy_f32(dir / (std::string("out_hu_") + name));
    const std::vector<float> mu = read_npy_f32(dir / (std::string("out_mu_") + name));
    const Image lib = random_head_phantom(64, 64, 4.0, 4.0, 9, static_cast<std::uint64_t>(index)).hu;
    ASSERT_EQ(hu.size(), 64u * 64u);
    ASSERT_EQ(mu.size(), hu.size());
    for (std::size_t i = 0; i < hu.size(); ++i) {
      ASSERT_EQ(hu[i], lib.data<float>()[i]);
      ASSERT_NEAR(mu[i], hu_to_mu(hu[i]), 1e-6);
    }
  }
}
