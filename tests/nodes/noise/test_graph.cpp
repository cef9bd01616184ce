// The noise nodes inside graphs: same seed, same bytes across runs and thread counts (slices run
// concurrently and finish in any order), different seeds and different slices differ, the
// optional sigma_map port joins by key, bad parameters fail validation, and graphs/mri_noise.toml.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>

#include <mirflow/error.hpp>

#include "noise_test_util.hpp"

using namespace mirflow;
using namespace mirflow::noise_test;
namespace fs = std::filesystem;

namespace {

// One float32 volume nx×ny×nz, every voxel `value` (so slices differ only by their noise).
class Volume final : public Node {
 public:
  explicit Volume(const NodeConfig& c)
      : nx_(c.params.get_int("nx")), ny_(c.params.get_int("ny")), nz_(c.params.get_int("nz")),
        value_(c.params.get_float("value")) {}
  static NodeSpec spec() {
    return NodeSpec("noisetest.volume", "one constant float32 volume")
        .output("volume", kImagePort, "the volume")
        .param(ParamSpec::Int("nx", 64, "width"))
        .param(ParamSpec::Int("ny", 48, "height"))
        .param(ParamSpec::Int("nz", 16, "slices"))
        .param(ParamSpec::Float("value", 100, "every voxel"));
  }
  void process(Context& ctx) override {
    ctx.expand({"vol"}, [this](std::int64_t) -> Outputs {
      Image v = Image::allocate3d(DType::F32, nx_, ny_, nz_);
      for (std::int64_t i = 0; i < v.size(); ++i) v.data<float>()[i] = static_cast<float>(value_);
      v.geometry().spacing = {0.9, 0.9, 1.5};
      return {{"volume", std::any(v)}};
    });
  }

 private:
  std::int64_t nx_, ny_, nz_;
  double value_;
};

std::mutex captured_mutex;
std::map<std::string, Image>& captured() {
  static std::map<std::string, Image> m;
  return m;
}

// Keeps every image it receives, by key.
class Capture final : public Node {
 public:
  explicit Capture(const NodeConfig&) {}
  static NodeSpec spec() {
    return NodeSpec("noisetest.capture", "keeps each image by key").input("image", kImagePort, "in").serial();
  }
  void process(Context& ctx) override {
    std::lock_guard lock(captured_mutex);
    captured()[ctx.key()->str()] = ctx.image("image");
  }
};

void register_test_nodes() {
  static const bool once = [] {
    auto& r = mirflow::test::registry();
    r.add<Volume>();
    r.add<Capture>();
    return true;
  }();
  (void)once;
}

// volume → flow.slice → test.delay (shuffles completion order) → noise → flow.stack → capture
std::string graph(const std::string& noise_type, const std::string& noise_params) {
  const bool delay = mirflow::test::registry().find("test.delay") != nullptr;
  std::string edges = delay ? R"("src.volume -> slices.volume", "slices.slice -> shuffle.image", "shuffle.image -> noise.image",)"
                            : R"("src.volume -> slices.volume", "slices.slice -> noise.image",)";
  std::string g = "[graph]\nname = \"noise_determinism\"\nedges = [" + edges +
                  R"( "noise.image -> stack.slice", "stack.volume -> sink.image"]
[[node]]
id = "src"
type = "noisetest.volume"
[[node]]
id = "slices"
type = "flow.slice"
[[node]]
id = "stack"
type = "flow.stack"
[[node]]
id = "sink"
type = "noisetest.capture"
[[node]]
id = "noise"
type = ")" + noise_type + "\"\n" + noise_params + "\n";
  if (delay) g += "[[node]]\nid = \"shuffle\"\ntype = \"test.delay\"\nmax_us = 400\n";
  return g;
}

Image run_volume(const std::string& toml, int threads, const std::vector<std::string>& overrides = {}) {
  register_test_nodes();
  {
    std::lock_guard lock(captured_mutex);
    captured().clear();
  }
  RunOptions o;
  o.threads = threads;
  mirflow::test::run_string(toml, mirflow::test::scratch_dir("noise-graph"), overrides, o);
  std::lock_guard lock(captured_mutex);
  EXPECT_EQ(captured().size(), 1u);
  return captured().empty() ? Image() : captured().begin()->second;
}

bool same_bytes(const Image& a, const Image& b) {
  return !a.empty() && !b.empty() && a.bytes() == b.bytes() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

}  // namespace

class NoiseGraph : public ::testing::TestWithParam<const char*> {};

TEST_P(NoiseGraph, SameSeedSameBytesAcrossRunsAndThreadCounts) {
  const std::string toml = graph(GetParam(), "sigma = 0.05\nseed = 7");
  Image a = run_volume(toml, 1), b = run_volume(toml, 4), c = run_volume(toml, 4), d = run_volume(toml, 2);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.dtype(), DType::F32);
  EXPECT_EQ(a.shape(), (std::array<std::int64_t, 3>{64, 48, 16}));
  EXPECT_EQ(a.geometry().spacing, (std::array<double, 3>{0.9, 0.9, 1.5}));
  EXPECT_TRUE(same_bytes(a, b)) << "1 thread vs 4 threads";
  EXPECT_TRUE(same_bytes(b, c)) << "two runs on 4 threads";
  EXPECT_TRUE(same_bytes(a, d)) << "1 thread vs 2 threads";
  EXPECT_EQ(a.metadata().at("noise.sigma"), "5");  // 5 % of 100

  // Another seed: other bytes.
  Image e = run_volume(toml, 4, {"noise.seed=8"});
  EXPECT_FALSE(same_bytes(a, e));

  // Different slices, same signal: different noise, and uncorrelated.
  const std::int64_t n = a.nx() * a.ny();
  int differing_slices = 0;
  for (std::int64_t z = 1; z < a.nz(); ++z)
    differing_slices += std::memcmp(a.slice(z).raw(), a.slice(0).raw(), static_cast<std::size_t>(n) * 4) != 0;
  EXPECT_EQ(differing_slices, a.nz() - 1);
  const float* p = a.data<float>();
  double m0 = 0, m1 = 0;
  for (std::int64_t i = 0; i < n; ++i) m0 += p[i], m1 += p[n + i];
  m0 /= static_cast<double>(n), m1 /= static_cast<double>(n);
  double c01 = 0, v0 = 0, v1 = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    c01 += (p[i] - m0) * (p[n + i] - m1), v0 += (p[i] - m0) * (p[i] - m0), v1 += (p[n + i] - m1) * (p[n + i] - m1);
  }
  const double corr = c01 / std::sqrt(v0 * v1);
  std::printf("[ measured ] %s: correlation of the noise of slices 0 and 1: %.4f\n", GetParam(), corr);
  EXPECT_LT(std::abs(corr), 5.0 / std::sqrt(static_cast<double>(n)));  // 5 standard errors of 0
}

INSTANTIATE_TEST_SUITE_P(Types, NoiseGraph, ::testing::Values("noise.gaussian", "noise.rician", "noise.ncchi"),
                         [](const auto& info) { return std::string(info.param).substr(6); });

TEST(NoiseGraphMap, SigmaMapJoinsByKey) {
  // The slice is its own sigma map: σ(x) = 0.1·A(x) = 10 on a volume of 100s.
  register_test_nodes();
  std::string toml = graph("noise.gaussian", "sigma = 0.1\nrelative = false\nseed = 3");
  toml.replace(toml.find("\"noise.image -> stack.slice\""), 0,
               mirflow::test::registry().find("test.delay") ? "\"shuffle.image -> noise.sigma_map\", "
                                                             : "\"slices.slice -> noise.sigma_map\", ");
  Image a = run_volume(toml, 4), b = run_volume(toml, 1);
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(same_bytes(a, b));
  const Moments m = [&] {
    Moments r;
    double s = 0, s2 = 0;
    for (std::int64_t i = 0; i < a.size(); ++i) {
      const double v = a.data<float>()[i] - 100.0;
      s += v, s2 += v * v;
    }
    r.n = a.size();
    r.mean = s / static_cast<double>(r.n);
    r.var = s2 / static_cast<double>(r.n) - r.mean * r.mean;
    return r;
  }();
  std::printf("[ measured ] gaussian with sigma_map through a graph: var %.3f (100, rel err %.2e)\n", m.var,
              rel_err(m.var, 100));
  EXPECT_LT(rel_err(m.var, 100.0), 0.03);  // n = 49152: SE 0.6 %
  EXPECT_EQ(a.metadata().at("noise.sigma_map"), "true");
}

TEST(NoiseGraphValidation, NegativeSigmaIsAValidationError) {
  register_test_nodes();
  for (const char* type : {"noise.gaussian", "noise.rician", "noise.ncchi"}) {
    const std::string toml = graph(type, "sigma = -0.05\nseed = 1");
    try {
      mirflow::test::run_string(toml, mirflow::test::scratch_dir("noise-bad"));
      ADD_FAILURE() << type << ": a negative sigma was accepted";
    } catch (const ValidationError& e) {
      ASSERT_EQ(e.diagnostics().size(), 1u) << e.what();
      const Diagnostic& d = e.diagnostics()[0];
      EXPECT_EQ(d.node, "noise");
      EXPECT_NE(d.message.find("'sigma'"), std::string::npos) << d.message;
      EXPECT_GT(d.line, 0);
      std::printf("[ message  ] %s\n", d.str().c_str());
    }
  }
}

TEST(NoiseGraphValidation, EveryBadParameterIsReportedAtOnce) {
  register_test_nodes();
  const std::string toml = graph("noise.ncchi", "sigma = -1.0\ncoils = 0\nrelative = \"yes\"\nseeds = 4");
  try {
    mirflow::test::validate_string(toml, mirflow::test::scratch_dir("noise-bad"));
    ADD_FAILURE() << "bad parameters accepted";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.diagnostics().size(), 4u) << e.what();
  }
}

TEST(NoiseGraphValidation, NanSigmaAndStrayReferenceMaxAreInputErrors) {
  register_test_nodes();
  EXPECT_THROW(mirflow::test::run_string(graph("noise.rician", "sigma = nan"), mirflow::test::scratch_dir("noise-bad")),
               InputError);
  EXPECT_THROW(mirflow::test::run_string(graph("noise.rician", "relative = false\nreference_max = 10.0"),
                                         mirflow::test::scratch_dir("noise-bad")),
               InputError);
}

TEST(MriNoiseGraph, RunsOnCh2AndGivesTheRicianBackground) {
  register_test_nodes();
  auto& reg = mirflow::test::registry();
  if (!reg.find("io.nifti_read") || !reg.find("io.nifti_write")) GTEST_SKIP() << "io.nifti_read/io.nifti_write not built";
  const fs::path ch2 = "/usr/share/mricron/templates/ch2.nii.gz";
  if (!fs::exists(ch2)) GTEST_SKIP() << ch2 << " is not installed (mricron-data)";
  const fs::path file = mirflow::test::source_dir() / "graphs" / "mri_noise.toml";
  GraphDecl decl = parse_graph_file(file);
  const fs::path out = mirflow::test::scratch_dir("mri-noise") / "ch2_rician5.nii.gz";
  apply_overrides(decl, {"output.path=\"" + out.string() + "\""});
  run(validate(decl, reg));
  ASSERT_TRUE(fs::exists(out));

  // Read back the input and the output and look at the background (voxels 0 in ch2).
  auto read_volume = [&](const fs::path& f) {
    {
      std::lock_guard lock(captured_mutex);
      captured().clear();
    }
    mirflow::test::run_string("[graph]\nname = \"read\"\nedges = [\"r.image -> sink.image\"]\n[[node]]\nid = \"r\"\ntype = "
                              "\"io.nifti_read\"\npath = \"" + f.string() + "\"\n[[node]]\nid = \"sink\"\ntype = \"noisetest.capture\"\n",
                              f.parent_path());
    std::lock_guard lock(captured_mutex);
    return captured().begin()->second;
  };
  Image clean = read_volume(ch2), noisy = read_volume(out);
  ASSERT_EQ(clean.shape(), noisy.shape());
  EXPECT_EQ(noisy.dtype(), DType::F32);
  const double sigma = 0.05 * 254;  // 5 % of ch2's maximum (254), as the graph sets
  double s = 0, s2 = 0;
  std::int64_t n = 0;
  for (std::int64_t i = 0; i < clean.size(); ++i)
    if (clean.value(i % clean.nx(), (i / clean.nx()) % clean.ny(), i / (clean.nx() * clean.ny())) == 0) {
      const double v = noisy.data<float>()[i];
      s += v, s2 += v * v, ++n;
    }
  const double mean = s / static_cast<double>(n), var = s2 / static_cast<double>(n) - mean * mean;
  std::printf("[ measured ] mri_noise.toml on ch2: %lld background voxels, mean %.4f (σ·sqrt(π/2) = %.4f, rel err "
              "%.2e), var %.3f ((2−π/2)σ² = %.3f, rel err %.2e)\n",
              static_cast<long long>(n), mean, sigma * std::sqrt(M_PI / 2), rel_err(mean, sigma * std::sqrt(M_PI / 2)),
              var, (2 - M_PI / 2) * sigma * sigma, rel_err(var, (2 - M_PI / 2) * sigma * sigma));
  EXPECT_GT(n, 100000);
  EXPECT_LT(rel_err(mean, sigma * std::sqrt(M_PI / 2)), 0.01);
  EXPECT_LT(rel_err(var, (2 - M_PI / 2) * sigma * sigma), 0.02);
}
