// The classic.* nodes inside graphs: a 3-D int16 volume goes through each node and comes out
// float32 with its geometry, each slice filtered on its own with σ given or estimated per slice
// (checked against the algorithm functions, themselves checked against scikit-image); bad
// parameters fail validation naming the node and the parameter.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>

#include <mirflow/error.hpp>
#include <mirflow_imgproc/noise_sigma.hpp>

#include "bm3d.hpp"
#include "nl_means.hpp"
#include "noise_sigma.hpp"
#include "perona_malik.hpp"
#include "python_reference.hpp"
#include "slicewise.hpp"
#include "tv_chambolle.hpp"
#include "wavelet_shrink.hpp"

using namespace mirflow;
using namespace mirflow::classic;
using namespace mirflow::classic::testing;

namespace {

constexpr std::int64_t kNy = 34, kNz = 3;
std::int64_t kNx = 40;  // the width of the next test volume

// A noisy int16 volume: a disc whose brightness changes with z, noise σ = 6 + 3z (so an estimated
// σ differs per slice), seeded.
Image test_volume() {
  Image v = Image::allocate3d(DType::I16, kNx, kNy, kNz);
  v.geometry().spacing = {0.9, 0.8, 2.5};
  v.metadata()["modality"] = "MR";
  for (std::int64_t z = 0; z < kNz; ++z) {
    Plane p(kNx, kNy);
    for (std::int64_t y = 0; y < kNy; ++y)
      for (std::int64_t x = 0; x < kNx; ++x)
        p(x, y) = (x - 18) * (x - 18) + (y - 15) * (y - 15) < 110 ? 120.0 + 20.0 * static_cast<double>(z) : 40.0;
    const Plane n = add_noise(p, 6.0 + 3.0 * static_cast<double>(z), 60 + static_cast<std::uint64_t>(z));
    for (std::int64_t y = 0; y < kNy; ++y)
      for (std::int64_t x = 0; x < kNx; ++x) v.at<std::int16_t>(x, y, z) = static_cast<std::int16_t>(std::lround(n(x, y)));
  }
  return v;
}

class Volume final : public Node {
 public:
  explicit Volume(const NodeConfig&) {}
  static NodeSpec spec() { return NodeSpec("classictest.volume", "the test volume").output("volume", kImagePort, "it"); }
  void process(Context& ctx) override {
    ctx.expand({"vol"}, [](std::int64_t) -> Outputs { return {{"volume", std::any(test_volume())}}; });
  }
};

std::mutex captured_mutex;
Image captured;

class Capture final : public Node {
 public:
  explicit Capture(const NodeConfig&) {}
  static NodeSpec spec() {
    return NodeSpec("classictest.capture", "keeps the image").input("image", kImagePort, "in").serial();
  }
  void process(Context& ctx) override {
    std::lock_guard lock(captured_mutex);
    captured = ctx.image("image");
  }
};

Image run_node(const std::string& type, const std::string& params) {
  static const bool once = [] {
    mirflow::test::registry().add<Volume>();
    mirflow::test::registry().add<Capture>();
    return true;
  }();
  (void)once;
  const std::string toml = "[graph]\nname = \"classic\"\nedges = [\"src.volume -> f.image\", \"f.image -> sink.image\"]\n"
                           "[[node]]\nid = \"src\"\ntype = \"classictest.volume\"\n"
                           "[[node]]\nid = \"sink\"\ntype = \"classictest.capture\"\n"
                           "[[node]]\nid = \"f\"\ntype = \"" + type + "\"\n" + params + "\n";
  mirflow::test::run_string(toml, mirflow::test::scratch_dir("classic-graph"));
  std::lock_guard lock(captured_mutex);
  return captured;
}

// Largest |node output − expected(slice)| over the volume, after checking type and geometry.
double compare(const Image& out, const std::function<Plane(const Plane&)>& expected) {
  const Image in = test_volume();
  EXPECT_EQ(out.dtype(), DType::F32);
  EXPECT_EQ(out.shape(), in.shape());
  EXPECT_EQ(out.geometry().spacing, in.geometry().spacing);
  EXPECT_EQ(out.metadata().at("modality"), "MR");
  double err = 0;
  for (std::int64_t z = 0; z < kNz; ++z) {
    const Plane e = expected(read_plane(in, z));
    for (std::int64_t y = 0; y < kNy; ++y)
      for (std::int64_t x = 0; x < kNx; ++x)
        err = std::max(err, std::abs(static_cast<double>(out.at<float>(x, y, z)) - e(x, y)) / std::max(1.0, std::abs(e(x, y))));
  }
  return err;
}

constexpr double kFloat32 = 1e-6;  // relative rounding of the float32 output

// The σ a node estimates for the test volume: one for the whole item (imgproc's Gaussian MAD of
// the finest diagonal Haar band, pooled over the slices), as noise_sigma.hpp documents.
double volume_sigma() {
  const Image in = test_volume();
  std::vector<double> v;
  for (std::int64_t z = 0; z < in.nz(); ++z)
    for (std::int64_t y = 0; y < in.ny(); ++y)
      for (std::int64_t x = 0; x < in.nx(); ++x) v.push_back(in.value(x, y, z));
  return mirflow::imgproc::estimate_sigma({v.data(), in.nx(), in.ny(), in.nz()}, mirflow::imgproc::SigmaMethod::Gaussian)
      .sigma;
}

// What classic.bm3d computes for the test volume: bm3d_volume with slice_radius 1, the volume's
// span, patches of `patch` pixels, as a per-slice function for compare().
std::function<Plane(const Plane&)> volume_bm3d(int patch, double sigma = 0) {
  const Image in = test_volume();
  std::vector<Plane> slices;
  double lo = in.value(0, 0, 0), hi = lo;
  for (std::int64_t z = 0; z < in.nz(); ++z) {
    slices.push_back(read_plane(in, z));
    for (double v : slices.back().v) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  Bm3dOptions o = bm3d_defaults(sigma > 0 ? sigma : volume_sigma(), hi - lo);
  o.hard.patch = o.wiener.patch = patch;
  auto expected = std::make_shared<std::vector<Plane>>(bm3d_volume(slices, o, 1));
  auto z = std::make_shared<std::size_t>(0);
  return [expected, z](const Plane&) { return (*expected)[(*z)++]; };
}

}  // namespace

TEST(ClassicNodes, AllSixAreRegistered) {
  for (const char* t : {"classic.gaussian", "classic.nlm", "classic.bm3d", "classic.tv", "classic.wavelet", "classic.diffusion"})
    EXPECT_NE(mirflow::test::registry().find(t), nullptr) << t;
}

TEST(ClassicNodes, NlmScalesHWithTheGivenOrEstimatedSigma) {
  EXPECT_LT(compare(run_node("classic.nlm", "sigma = 7.5\nh = 0.7\npatch_distance = 5"), [](const Plane& p) {
              NlmOptions o;
              o.sigma = 7.5;
              o.h = 0.7 * 7.5;
              o.patch_distance = 5;
              return nl_means(p, o);
            }), kFloat32);
  EXPECT_LT(compare(run_node("classic.nlm", "fast = false\npatch_size = 5\npatch_distance = 4"), [](const Plane& p) {
              NlmOptions o;
              o.sigma = volume_sigma();
              o.h = 0.8 * o.sigma;
              o.fast = false;
              o.patch_size = 5;
              o.patch_distance = 4;
              return nl_means(p, o);
            }), kFloat32);
}

TEST(ClassicNodes, TvWaveletDiffusionBm3d) {
  EXPECT_LT(compare(run_node("classic.tv", "weight = 1.5"),
                    [](const Plane& p) { return tv_chambolle(p, 1.5 * volume_sigma(), 2e-4, 200); }), kFloat32);
  EXPECT_LT(compare(run_node("classic.tv", "sigma = 4\nmax_iter = 7"),
                    [](const Plane& p) { return tv_chambolle(p, 0.9 * 4, 2e-4, 7); }), kFloat32);
  EXPECT_LT(compare(run_node("classic.wavelet", "wavelet = \"haar\"\nmethod = \"visu\"\nlevels = 2"), [](const Plane& p) {
              WaveletShrinkOptions o;
              o.wavelet = "haar";
              o.rule = ShrinkRule::Visu;
              o.levels = 2;
              return wavelet_shrink(p, o);
            }), kFloat32);
  EXPECT_LT(compare(run_node("classic.diffusion", "sigma = 5\nkappa = 3\nsteps = 4\nconductance = \"rational\""),
                    [](const Plane& p) { return perona_malik(p, 15.0, 4, 0.2, Conductance::Rational); }), kFloat32);
  // A volume: BM3D with groups across neighbouring slices (slice_radius = 1), the volume's span.
  EXPECT_LT(compare(run_node("classic.bm3d", ""), volume_bm3d(8)), kFloat32);
}

TEST(ClassicNodes, BadParametersFailValidation) {
  for (auto [type, params, name] : {std::tuple{"classic.diffusion", "dt = 0.5", "'dt'"},
                                    std::tuple{"classic.wavelet", "wavelet = \"db4\"", "'wavelet'"},
                                    std::tuple{"classic.nlm", "sigma = -1", "'sigma'"},
                                    std::tuple{"classic.tv", "weight = -2", "'weight'"}}) {
    try {
      run_node(type, params);
      ADD_FAILURE() << type << ": " << params << " was accepted";
    } catch (const ValidationError& e) {
      ASSERT_FALSE(e.diagnostics().empty());
      const Diagnostic& d = e.diagnostics()[0];
      EXPECT_EQ(d.node, "f");
      EXPECT_NE(d.message.find(name), std::string::npos) << d.message;
      std::printf("[ message  ] %s\n", d.str().c_str());
    }
  }
}

// Slices narrower than the 8x8 patch (low-resolution diffusion data) are denoised with patches
// as large as their smaller side, exactly as the library does when given that patch; a slice of
// one pixel is bad input naming the node.
TEST(ClassicNodes, NarrowSlicesGetSmallerBm3dPatches) {
  kNx = 6;
  EXPECT_LT(compare(run_node("classic.bm3d", "sigma = 2"), volume_bm3d(6, 2.0)), kFloat32);
  kNx = 1;
  try {
    run_node("classic.bm3d", "sigma = 2");
    ADD_FAILURE() << "a 1-pixel-wide slice was accepted";
  } catch (const RunError& e) {
    std::printf("[ message  ] %s\n", e.what());
    EXPECT_EQ(e.node(), "f");
    EXPECT_TRUE(e.bad_input());  // exit code 2
    EXPECT_NE(e.reason().find("at least 2x2"), std::string::npos) << e.reason();
  }
  kNx = 40;
}
