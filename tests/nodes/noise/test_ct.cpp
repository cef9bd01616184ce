// The CT simulators: noise.ct_poisson (post-log variance 1/(I0·e^{−p}), I0 precedence, photon
// starvation and its streaks after FBP, determinism through a graph on 1 and 2 threads) and
// noise.ct_rings (one detector for every item, column offset −ln(gain)).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>

#include <mirflow/error.hpp>
#include <mirflow_physics/fbp.hpp>
#include <mirflow_physics/projector.hpp>
#include <mirflow_physics/sinogram.hpp>

#include "noise_test_util.hpp"
#include "ring_gains.hpp"

using namespace mirflow;
using namespace mirflow::noise_test;
using mirflow::physics::ProjectionGeometry;
using mirflow::physics::Sinogram;
namespace fs = std::filesystem;

namespace {

// A parallel-beam geometry over 180° for an n×n image of 1 mm pixels (bins cover the diagonal).
ProjectionGeometry geometry(std::int64_t n, std::int64_t views) {
  ProjectionGeometry g;
  g.angles_deg = physics::angle_span(0, 180, views);
  g.image_nx = g.image_ny = n;
  g.bins = physics::default_bins(g);
  return g;
}

// A sinogram of `views` × `bins` bins, every value `p` (the geometry is only carried).
Sinogram flat_sinogram(std::int64_t bins, std::int64_t views, double p) {
  ProjectionGeometry g;
  g.angles_deg = physics::angle_span(0, 180, views);
  g.bins = bins;
  g.image_nx = g.image_ny = static_cast<std::int64_t>(double(bins) / std::sqrt(2.0)) - 1;
  return {constant(bins, views, static_cast<float>(p)), g};
}

Sinogram run_sino(const std::string& type, const std::map<std::string, ParamValue>& set, const Sinogram& in,
                  KeyPtr key = Key::root("item")) {
  const NodeType* t = mirflow::test::registry().find(type);
  if (!t) throw std::runtime_error("node type " + type + " is not loaded");
  auto node = t->factory(NodeConfig{"noise", params_for(type, set), {}});
  ItemContext ctx(std::move(key));
  ctx.inputs["sinogram"] = in;
  node->process(ctx);
  return std::any_cast<Sinogram>(ctx.outputs.at("sinogram"));
}

bool same_bytes(const Image& a, const Image& b) {
  return !a.empty() && !b.empty() && a.bytes() == b.bytes() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

}  // namespace

// A sinogram read from a file carries its name (sinogram.file) so that later errors can name it;
// noisy data made from it are no longer that file, so both noise nodes drop the name.
TEST(CtNoise, NewDataDoNotNameTheInputFile) {
  Sinogram in = flat_sinogram(16, 8, 1.0);
  in.data.metadata()["sinogram.file"] = "/data/clean.npy";
  const Sinogram noisy = run_sino("noise.ct_poisson", {{"i0", 1e4}, {"seed", std::int64_t{1}}}, in);
  EXPECT_EQ(noisy.data.metadata().count("sinogram.file"), 0u);
  const Sinogram rings = run_sino("noise.ct_rings", {{"gain_sigma", 0.01}, {"seed", std::int64_t{1}}}, in);
  EXPECT_EQ(rings.data.metadata().count("sinogram.file"), 0u);
}

TEST(CtPoisson, PostLogVarianceIsOneOverExpectedCounts) {
  // Delta method: Var(−ln(N/I0)) ≈ 1/λ, λ = I0·e^{−p}, with a relative error of order 1/λ
  // (≤ 0.3 % here: λ ≥ 498 for p ≤ 3 at I0 = 1e4). Not used where λ is small (tens of counts):
  // there the floor and the log's curvature bias both mean and variance. n = 262144 per level:
  // the SE of a variance is sqrt(2/n) = 0.28 %.
  const double i0 = 1e4;
  for (double p : {0.5, 1.0, 2.0, 3.0}) {
    const Sinogram out = run_sino("noise.ct_poisson", {{"i0", i0}, {"seed", std::int64_t{11}}}, flat_sinogram(512, 512, p));
    const Moments m = moments(out.data, p);
    const double lambda = i0 * std::exp(-p);
    std::printf("[ measured ] ct_poisson I0=%g p=%g (λ=%.0f): var %.4e (1/λ = %.4e, rel err %.2e), mean bias %.2e "
                "(1/(2λ) = %.2e)\n",
                i0, p, lambda, m.var, 1 / lambda, rel_err(m.var, 1 / lambda), m.mean, 0.5 / lambda);
    EXPECT_LT(rel_err(m.var, 1 / lambda), 0.02);
    EXPECT_NEAR(m.mean, 0.5 / lambda, 5 * std::sqrt(1 / lambda / double(m.n)) + 0.5 / lambda);
    ASSERT_TRUE(out.geometry.i0.has_value());
    EXPECT_EQ(*out.geometry.i0, i0);
    EXPECT_EQ(out.data.metadata().at("noise.model"), "ct_poisson");
    EXPECT_EQ(out.data.metadata().at("noise.starved_bins"), "0");
  }
}

TEST(CtPoisson, ElectronicNoiseAddsItsVariance) {
  // Var(N) = λ + σe² → Var(p̂) ≈ (λ + σe²)/λ².
  const double i0 = 1e4, p = 2.0, se = 30.0, lambda = i0 * std::exp(-p);
  const Sinogram out = run_sino("noise.ct_poisson", {{"i0", i0}, {"electronic_sigma", se}, {"seed", std::int64_t{12}}},
                                flat_sinogram(512, 512, p));
  const Moments m = moments(out.data, p);
  const double expected = (lambda + se * se) / (lambda * lambda);
  std::printf("[ measured ] ct_poisson σe=%g: var %.4e (%.4e, rel err %.2e)\n", se, m.var, expected, rel_err(m.var, expected));
  EXPECT_LT(rel_err(m.var, expected), 0.02);
}

TEST(CtPoisson, I0Precedence) {
  Sinogram in = flat_sinogram(64, 32, 1.0);
  // Neither parameter nor geometry: 1e4.
  EXPECT_EQ(*run_sino("noise.ct_poisson", {}, in).geometry.i0, 1e4);
  // The geometry's i0 when the parameter is not set.
  in.geometry.i0 = 5e5;
  Sinogram g = run_sino("noise.ct_poisson", {}, in);
  EXPECT_EQ(*g.geometry.i0, 5e5);
  EXPECT_EQ(std::stod(g.data.metadata().at("noise.i0")), 5e5);
  // The parameter over the geometry.
  EXPECT_EQ(*run_sino("noise.ct_poisson", {{"i0", 2e3}}, in).geometry.i0, 2e3);
}

TEST(CtPoisson, StarvationFloorsCountsAndStreaksJoinDenseInserts) {
  // A water disc (µ 0.0192/mm, radius 50 mm) with two dense inserts (µ 0.6/mm, radius 4 mm, at
  // (±25, 0) mm). At I0 = 1e4 a ray through one insert keeps ≥ e^{−6.7}·1e4 ≈ 12 counts; a ray
  // through both has µ·L up to ≈ 11.5 (≈ 0.1 counts): photon starvation, floored at 1 count, so
  // p̂ ≈ ln(1e4) = 9.2 underestimates p there, only in the views along the line joining the
  // inserts → the dark streak between two metal implants.
  const std::int64_t n = 128;
  const double cx = 25, r_in = 4;
  Image mu = Image::allocate2d(DType::F32, n, n);
  for (std::int64_t y = 0; y < n; ++y)
    for (std::int64_t x = 0; x < n; ++x) {
      const double px = double(x) - 0.5 * double(n - 1), py = double(y) - 0.5 * double(n - 1);
      double v = std::hypot(px, py) < 50 ? 0.0192 : 0.0;
      if (std::hypot(px - cx, py) < r_in || std::hypot(px + cx, py) < r_in) v = 0.6;
      mu.at<float>(x, y) = static_cast<float>(v);
    }
  const ProjectionGeometry g = geometry(n, 360);
  Sinogram clean{physics::make_projector(g)->apply(mu), g};
  const Sinogram noisy = run_sino("noise.ct_poisson", {{"i0", 1e4}, {"seed", std::int64_t{5}}}, clean);
  const std::int64_t starved = std::stoll(noisy.data.metadata().at("noise.starved_bins"));
  // Bins reading ln(I0/1) (the floor, or exactly 1 count) lie behind dense material: almost all
  // where the clean p > 7 (λ < 9 counts), none where p < 5 (λ > 67 counts, P(N ≤ 1) < 1e-27).
  std::int64_t floored = 0, floored_behind = 0, floored_light = 0;
  for (std::int64_t v = 0; v < g.views(); ++v)
    for (std::int64_t b = 0; b < g.bins; ++b)
      if (std::abs(noisy.data.at<float>(b, v) - std::log(1e4)) < 1e-5) {
        ++floored;
        floored_behind += clean.data.at<float>(b, v) > 7.0f;
        floored_light += clean.data.at<float>(b, v) < 5.0f;
      }
  const Image rc = physics::fbp(clean), rn = physics::fbp(noisy);
  // Mean signed FBP error (noisy − clean) on the segment joining the inserts (outside them and a
  // 3-pixel rim) and on segments of the same length through one insert at 90°, 45° and 135°.
  auto segment_error = [&](double th) {
    const double ux = std::cos(th), uy = std::sin(th);
    double sum = 0;
    std::int64_t cnt = 0;
    for (double t = -(2 * cx - r_in - 3); t <= -(r_in + 3); t += 0.5) {
      const double px = cx + t * ux, py = t * uy;  // from the right insert towards direction −u
      const auto ix = static_cast<std::int64_t>(std::lround(px + 0.5 * double(n - 1)));
      const auto iy = static_cast<std::int64_t>(std::lround(py + 0.5 * double(n - 1)));
      sum += double(rn.at<float>(ix, iy)) - double(rc.at<float>(ix, iy));
      ++cnt;
    }
    return sum / double(cnt);
  };
  const double between = segment_error(0.0);
  const double others = (std::abs(segment_error(M_PI / 2)) + std::abs(segment_error(M_PI / 4)) +
                         std::abs(segment_error(3 * M_PI / 4))) / 3;
  std::printf("[ measured ] starvation: %lld bins floored (%lld bins read 1 count or the floor, %lld of them behind "
              "dense material); FBP mean error on the segment joining the inserts %.4e /mm (%.0f HU), mean |error| on "
              "segments through one insert at 45/90/135° %.4e /mm (ratio %.1f)\n",
              static_cast<long long>(starved), static_cast<long long>(floored), static_cast<long long>(floored_behind),
              between, 1000 * between / 0.0192, others, std::abs(between) / others);
  EXPECT_GT(starved, 50);
  EXPECT_GE(floored, starved);
  EXPECT_GE(double(floored_behind), 0.9 * double(floored));
  EXPECT_EQ(floored_light, 0);
  EXPECT_LT(between, 0.0);  // p underestimated → a dark streak
  EXPECT_GT(std::abs(between), 3.0 * others);
}

TEST(CtRings, OneDetectorForEveryItemAndOffsetMinusLnGain) {
  const double sigma = 0.02;
  const std::int64_t bins = 512, views = 64;
  Sinogram a = flat_sinogram(bins, views, 1.0), b = flat_sinogram(bins, views, 0.0);
  for (std::int64_t v = 0; v < views; ++v)
    for (std::int64_t k = 0; k < bins; ++k) b.data.at<float>(k, v) = static_cast<float>(0.01 * double(k + v));
  const std::map<std::string, ParamValue> set{{"gain_sigma", sigma}, {"seed", std::int64_t{3}}};
  const Sinogram oa = run_sino("noise.ct_rings", set, a, Key::root("slice0"));
  const Sinogram ob = run_sino("noise.ct_rings", set, b, Key::root("slice1"));
  const std::vector<double> gains = noise::ring_gains(3, bins, sigma);
  double worst_a = 0, worst_ab = 0, s = 0, s2 = 0;
  for (std::int64_t k = 0; k < bins; ++k) {
    double mean_a = 0;
    for (std::int64_t v = 0; v < views; ++v) {
      const double da = oa.data.at<float>(k, v) - a.data.at<float>(k, v);
      const double db = ob.data.at<float>(k, v) - b.data.at<float>(k, v);
      mean_a += da / double(views);
      worst_ab = std::max(worst_ab, std::abs(da - db));
    }
    worst_a = std::max(worst_a, std::abs(mean_a + std::log(gains[std::size_t(k)])));
    const double g = std::exp(-mean_a) - 1;
    s += g, s2 += g * g;
  }
  const double gm = s / bins, gsd = std::sqrt(s2 / bins - gm * gm);
  std::printf("[ measured ] ct_rings σ=%g: max |column mean offset + ln gain| %.2e, max item difference %.2e, gains "
              "recovered from the offsets: mean %.2e, sd %.4f\n",
              sigma, worst_a, worst_ab, gm, gsd);
  EXPECT_LT(worst_a, 1e-6);
  EXPECT_LT(worst_ab, 1e-6);
  EXPECT_NEAR(gm, 0.0, 5 * sigma / std::sqrt(double(bins)));
  EXPECT_LT(rel_err(gsd, sigma), 0.2);
  EXPECT_EQ(oa.geometry, a.geometry);
}

// --- Determinism through a graph: several sinogram items, 1 vs 2 threads. ---------------------

namespace {

class SinoSource final : public Node {
 public:
  explicit SinoSource(const NodeConfig&) {}
  static NodeSpec spec() {
    return NodeSpec("cttest.sinograms", "six sinograms").output("sinogram", physics::kSinogramPort, "items");
  }
  void process(Context& ctx) override {
    ctx.expand({"s0", "s1", "s2", "s3", "s4", "s5"}, [](std::int64_t i) -> Outputs {
      Sinogram s = flat_sinogram(96, 60, 0.5 + 0.25 * double(i));
      return {{"sinogram", std::any(s)}};
    });
  }
};

std::mutex captured_mutex;
std::map<std::string, Image>& captured() {
  static std::map<std::string, Image> m;
  return m;
}

class SinoCapture final : public Node {
 public:
  explicit SinoCapture(const NodeConfig&) {}
  static NodeSpec spec() {
    return NodeSpec("cttest.capture", "keeps each sinogram by key").input("sinogram", physics::kSinogramPort, "in").serial();
  }
  void process(Context& ctx) override {
    std::lock_guard lock(captured_mutex);
    captured()[ctx.key()->str()] = ctx.input<Sinogram>("sinogram").data;
  }
};

std::map<std::string, Image> run_graph(const std::string& chain, int threads) {
  static const bool once = [] {
    mirflow::test::registry().add<SinoSource>();
    mirflow::test::registry().add<SinoCapture>();
    return true;
  }();
  (void)once;
  {
    std::lock_guard lock(captured_mutex);
    captured().clear();
  }
  const std::string toml = "[graph]\nname = \"ct_determinism\"\nedges = [\"src.sinogram -> noise.sinogram\", "
                           "\"noise.sinogram -> rings.sinogram\", \"rings.sinogram -> sink.sinogram\"]\n"
                           "[[node]]\nid = \"src\"\ntype = \"cttest.sinograms\"\n"
                           "[[node]]\nid = \"sink\"\ntype = \"cttest.capture\"\n" + chain;
  RunOptions o;
  o.threads = threads;
  mirflow::test::run_string(toml, mirflow::test::scratch_dir("ct-graph"), {}, o);
  std::lock_guard lock(captured_mutex);
  return captured();
}

}  // namespace

TEST(CtGraph, SameSeedSameBytesOnOneAndTwoThreads) {
  const std::string chain =
      "[[node]]\nid = \"noise\"\ntype = \"noise.ct_poisson\"\ni0 = 1e4\nelectronic_sigma = 5.0\nseed = 42\n"
      "[[node]]\nid = \"rings\"\ntype = \"noise.ct_rings\"\ngain_sigma = 0.01\nseed = 1\n";
  const auto a = run_graph(chain, 1), b = run_graph(chain, 2), c = run_graph(chain, 2);
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);
  int differing = 0;
  for (const auto& [key, im] : a) {
    EXPECT_TRUE(same_bytes(im, b.at(key))) << key << ": 1 vs 2 threads";
    EXPECT_TRUE(same_bytes(b.at(key), c.at(key))) << key << ": two runs";
    // Items differ in their noise (not just their level): compare each with the first, offset removed.
    const Image& first = a.begin()->second;
    if (&im != &first) differing += std::abs((im.at<float>(0, 0) - im.at<float>(1, 0)) -
                                             (first.at<float>(0, 0) - first.at<float>(1, 0))) > 0;
  }
  EXPECT_GE(differing, 4);
}

TEST(CtGraph, BadParametersAreValidationErrors) {
  EXPECT_THROW(run_graph("[[node]]\nid = \"noise\"\ntype = \"noise.ct_poisson\"\ni0 = -1.0\n[[node]]\nid = \"rings\"\n"
                         "type = \"noise.ct_rings\"\n",
                         1),
               ValidationError);
  EXPECT_THROW(run_graph("[[node]]\nid = \"noise\"\ntype = \"noise.ct_poisson\"\n[[node]]\nid = \"rings\"\n"
                         "type = \"noise.ct_rings\"\ngain_sigma = 0.9\n",
                         1),
               ValidationError);
}

TEST(LdctGraph, ValidatesAndRuns) {
  auto& reg = mirflow::test::registry();
  for (const char* t : {"physics.phantom", "physics.project", "physics.sinogram_write", "ir.fbp", "io.nifti_write"})
    if (!reg.find(t)) GTEST_SKIP() << t << " is not built";
  const fs::path file = mirflow::test::source_dir() / "graphs" / "ldct_simulate.toml";
  GraphDecl decl = parse_graph_file(file);
  const fs::path dir = mirflow::test::scratch_dir("ldct");
  std::vector<std::string> overrides{"output.path=\"" + (dir / "sino.npy").string() + "\""};
  overrides.push_back("recon_out.path=\"" + (dir / "fbp.nii.gz").string() + "\"");
  apply_overrides(decl, overrides);
  run(validate(decl, reg));
  EXPECT_TRUE(fs::exists(dir / "sino.npy"));
  EXPECT_TRUE(fs::exists(dir / "sino.json"));
  EXPECT_TRUE(fs::exists(dir / "fbp.nii.gz"));
}
