// noise.estimate_sigma, noise.rician_vst and noise.rician_vst_inverse as nodes: σ carried as
// metadata without copying pixels, bad input refused by name, no measurable noise passed through,
// and transform → ideal flat-region denoiser → inverse returning the true amplitude.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include <nlohmann/json.hpp>

#include <mirflow/error.hpp>

#include "noise_test_util.hpp"

using namespace mirflow;
using namespace mirflow::noise_test;

namespace {

Image rician(std::int64_t nx, std::int64_t ny, double a, double sigma, std::uint32_t seed) {
  Image im = Image::allocate2d(DType::F32, nx, ny);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, sigma);
  for (std::int64_t i = 0; i < im.size(); ++i) im.data<float>()[i] = float(std::hypot(a + g(rng), g(rng)));
  return im;
}

std::string run_report(const Image& image) {
  const NodeType* t = mirflow::test::registry().find("noise.estimate_sigma");
  auto node = t->factory(NodeConfig{"est", params_for("noise.estimate_sigma", {}), {}});
  ItemContext ctx(Key::root("item"));
  ctx.inputs["image"] = image;
  node->process(ctx);
  return std::any_cast<std::string>(ctx.outputs.at("report"));
}

double meta(const Image& im, const std::string& key) { return std::stod(im.metadata().at(key)); }

}  // namespace

TEST(EstimateSigmaNode, CarriesSigmaAsMetadataWithoutCopying) {
  const Image in = rician(128, 128, 100.0, 5.0, 1);
  const Image out = run_node("noise.estimate_sigma", {}, in);
  EXPECT_EQ(out.raw(), in.raw());  // the same pixels
  EXPECT_NEAR(meta(out, "noise.sigma_estimate"), 5.0, 0.25);
  const nlohmann::json r = nlohmann::json::parse(run_report(in));
  EXPECT_NEAR(r.at("sigma").get<double>(), 5.0, 0.25);
  EXPECT_TRUE(r.at("measurable").get<bool>());
  EXPECT_GT(r.at("estimates").at("vst").get<double>(), 0.0);
}

TEST(EstimateSigmaNode, BadInputIsRefusedAndNoiseFreeInputIsANote) {
  Image nan = rician(64, 64, 10.0, 1.0, 2);
  nan.data<float>()[7] = std::numeric_limits<float>::quiet_NaN();
  try {
    run_node("noise.estimate_sigma", {}, nan);
    FAIL() << "NaN accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run_node("noise.estimate_sigma", {}, constant(64, 64, 0.f)), InputError);
  EXPECT_THROW(run_node("noise.estimate_sigma", {}, constant(64, 64, 12.f)), InputError);
  Image blocky = Image::allocate2d(DType::F32, 64, 64);  // constant on every 2×2 block: no noise
  for (std::int64_t y = 0; y < 64; ++y)
    for (std::int64_t x = 0; x < 64; ++x) blocky.at<float>(x, y) = float((x / 2) % 5 + y / 2);
  const Image out = run_node("noise.estimate_sigma", {}, blocky);
  EXPECT_EQ(meta(out, "noise.sigma_estimate"), 0.0);
  EXPECT_NE(out.metadata().at("noise.sigma_note").find("no measurable noise"), std::string::npos);
  const nlohmann::json r = nlohmann::json::parse(run_report(blocky));
  EXPECT_FALSE(r.at("measurable").get<bool>());
}

// θ = 3 (A = 3σ): the stabilised pixels have unit standard deviation; their mean, inverted,
// is A (the mean of the magnitudes is not: it carries the Rician bias).
TEST(RicianVstNodes, ForwardStabilisesAndInverseRemovesTheBias) {
  const double sigma = 4.0;
  for (double theta : {0.0, 1.0, 3.0}) {
    const Image in = rician(256, 256, theta * sigma, sigma, 3 + std::uint32_t(theta));
    const Image f = run_node("noise.rician_vst", {{"sigma", sigma}}, in);
    EXPECT_EQ(meta(f, "noise.vst_sigma"), sigma);
    EXPECT_EQ(meta(f, "noise.sigma_estimate"), 1.0);
    double s = 0, s2 = 0;
    for (std::int64_t i = 0; i < f.size(); ++i) {
      s += f.data<float>()[i];
      s2 += double(f.data<float>()[i]) * f.data<float>()[i];
    }
    const double mean = s / double(f.size()), sd = std::sqrt(s2 / double(f.size()) - mean * mean);
    EXPECT_NEAR(sd, 1.0, 0.03) << theta;
    Image flat = f.clone();  // the ideal denoiser of a flat region: its mean everywhere
    for (std::int64_t i = 0; i < flat.size(); ++i) flat.data<float>()[i] = float(mean);
    const Image a = run_node("noise.rician_vst_inverse", {}, flat);
    EXPECT_NEAR(a.data<float>()[0], theta * sigma, theta < 1 ? 0.3 * sigma : 0.03 * sigma) << theta;
    EXPECT_EQ(a.metadata().count("noise.vst_sigma"), 0u);
  }
}

TEST(RicianVstNodes, SigmaFromMetadataOrEstimateAndErrors) {
  // σ estimated when neither given nor carried; carried σ wins over an estimate.
  const Image in = rician(128, 128, 50.0, 3.0, 9);
  EXPECT_NEAR(meta(run_node("noise.rician_vst", {}, in), "noise.vst_sigma"), 3.0, 0.15);
  Image tagged = in;
  tagged.metadata()["noise.sigma_estimate"] = "2.5";
  EXPECT_EQ(meta(run_node("noise.rician_vst", {}, tagged), "noise.vst_sigma"), 2.5);
  // The inverse needs σ.
  try {
    run_node("noise.rician_vst_inverse", {}, in);
    FAIL() << "no σ accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'sigma'"), std::string::npos) << e.what();
  }
  // No measurable noise (σ = 0 carried): both pass the pixels through.
  Image quiet = in;
  quiet.metadata()["noise.sigma_estimate"] = "0";
  const Image f = run_node("noise.rician_vst", {}, quiet);
  EXPECT_EQ(f.data<float>()[5], in.data<float>()[5]);
  EXPECT_EQ(run_node("noise.rician_vst_inverse", {}, f).data<float>()[5], in.data<float>()[5]);
}

// Through the engine: an item with no measurable noise is passed on with a note that
// `mirflow run --stats` lists under its table.
TEST(EstimateSigmaNode, NoMeasurableNoiseIsANoteInTheRunReport) {
  if (!mirflow::test::registry().find("io.npy_read")) GTEST_SKIP() << "the io plugin is not built";
  const std::filesystem::path dir = mirflow::test::scratch_dir("sigma_note");
  std::string out;
  ASSERT_EQ(mirflow::test::run_command("/usr/bin/python3 -c \"import numpy as np; a = np.kron(np.arange(64).reshape(8, 8) % 5, "
                                       "np.ones((2, 2))).astype(np.float32); np.save('" +
                                           (dir / "blocky.npy").string() + "', a)\"",
                                       &out),
            0)
      << out;
  const std::string toml = "[graph]\nedges = [\"input.image -> sigma.image\"]\n"
                           "[[node]]\nid = \"input\"\ntype = \"io.npy_read\"\npath = \"blocky.npy\"\n"
                           "[[node]]\nid = \"sigma\"\ntype = \"noise.estimate_sigma\"\n";
  const RunReport r = mirflow::test::run_string(toml, dir);
  const NodeReport* sigma = nullptr;
  for (const NodeReport& n : r.nodes)
    if (n.id == "sigma") sigma = &n;
  ASSERT_NE(sigma, nullptr);
  ASSERT_EQ(sigma->notes_total, 1);
  EXPECT_NE(sigma->notes[0].find("blocky.npy"), std::string::npos) << sigma->notes[0];
  EXPECT_NE(sigma->notes[0].find("no measurable noise"), std::string::npos) << sigma->notes[0];
  EXPECT_NE(r.table().find("notes from sigma (1):"), std::string::npos) << r.table();
}
