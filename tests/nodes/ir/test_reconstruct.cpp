// The reconstruction entry: registry components, data scaling (homogeneity), the memory check,
// CT statistical weights and the residual map against their formulas, bad input, and a CT
// phantom where TV-MBIR beats FBP, with and without multi-resolution.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include <mirflow/registry.hpp>

#include "mirflow_ir/ct_weights.hpp"
#include "mirflow_ir/priors.hpp"
#include "mirflow_ir/reconstruct.hpp"
#include "mirflow_ir/residual_map.hpp"
#include "mirflow_physics/fbp.hpp"
#include "mirflow_physics/parallel_beam.hpp"
#include "mirflow_physics/phantom.hpp"
#include "physics_test_util.hpp"

using namespace mirflow;
using namespace mirflow::ir;
using physics::Space;
using physics::ptest::random_image;

namespace {

Params defaults(const ComponentType& c) {
  Params p;
  for (const auto& spec : c.params)
    if (!std::holds_alternative<std::monostate>(spec.default_value)) p.set(spec.name, spec.default_value);
  return p;
}

physics::ProjectionGeometry ct_geometry(std::int64_t n, std::int64_t views) {
  physics::ProjectionGeometry g;
  g.angles_deg = physics::angle_span(1.5, 180.0, views);  // avoids the 0° Joseph rounding case
  g.image_nx = n, g.image_ny = n, g.pixel_dx = 1.0, g.pixel_dy = 1.0;
  g.bin_spacing = physics::default_bin_spacing(g);
  g.bins = physics::default_bins(g);
  return g;
}

// Poisson counts around I0·exp(−b) (seeded), back to line integrals; counts of 0 clamp to 0.5.
Image poisson_sinogram(const Image& clean, double I0, unsigned seed) {
  Image out = clean.clone();
  std::mt19937_64 rng(seed);
  for (std::int64_t i = 0; i < out.size(); ++i) {
    std::poisson_distribution<long> d(I0 * std::exp(-double(clean.data<float>()[i])));
    out.data<float>()[i] = float(-std::log(std::max(double(d(rng)), 0.5) / I0));
  }
  return out;
}

}  // namespace

TEST(IrReconstruct, RegistersEveryPriorWithABeta) {
  Registry r;
  register_priors(r);
  const auto names = r.component_names("ir.prior");
  for (const char* n : {"tv", "huber", "tgv", "wavelet", "anatomical", "l1"}) {
    ASSERT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
    const ComponentType* c = r.find_component("ir.prior", n);
    ASSERT_NE(c, nullptr);
    const auto beta = std::find_if(c->params.begin(), c->params.end(), [](const ParamSpec& s) { return s.name == "beta"; });
    ASSERT_NE(beta, c->params.end()) << n;
    EXPECT_EQ(beta->type, ParamType::Float);
    EXPECT_EQ(beta->min, 0.0);
    EXPECT_GT(std::get<double>(beta->default_value), 0.0);
    auto made = std::static_pointer_cast<Regulariser>(c->make(defaults(*c)));
    EXPECT_EQ(made->name(), n);
  }
  EXPECT_EQ(std::static_pointer_cast<Regulariser>(r.find_component("ir.prior", "tgv")->make(
                                                      defaults(*r.find_component("ir.prior", "tgv"))))
                ->aux_planes(),
            2);
}

TEST(IrReconstruct, DataScalingMakesBetaUnitFree) {
  // Multiplying the data by c multiplies the result by c (TV is 1-homogeneous); without data
  // scaling the same β regularises the scaled data far less.
  const Space im = physics::centred_space(16, 14, 1.0, 1.0);
  Image b = physics::shepp_logan(16, 14);
  const Image noise = random_image(im, 3);
  for (std::int64_t i = 0; i < b.size(); ++i) b.data<float>()[i] += 0.1f * noise.data<float>()[i];
  auto run = [&](double c, bool scale) {
    ReconstructionSpec s;
    s.A = std::make_shared<physics::IdentityOperator>(im);
    s.b = b.clone();
    for (std::int64_t i = 0; i < b.size(); ++i) s.b.data<float>()[i] = float(c * b.data<float>()[i]);
    s.priors.push_back({std::make_shared<TvRegulariser>(), 0.1});
    s.scale_data = scale;
    s.admm.max_iterations = 400, s.admm.abs_tol = 1e-7, s.admm.rel_tol = 1e-7, s.admm.cg_rel_tol = 1e-8;
    return reconstruct(s);
  };
  const ReconstructionResult r1 = run(1.0, true), r1000 = run(1000.0, true);
  EXPECT_NEAR(r1000.data_scale / r1.data_scale, 1000.0, 1e-6 * 1000);
  double err = 0, mag = 0;
  for (std::int64_t i = 0; i < b.size(); ++i) {
    err = std::max(err, std::abs(r1000.x.data<float>()[i] / 1000.0 - r1.x.data<float>()[i]));
    mag = std::max(mag, double(std::abs(r1.x.data<float>()[i])));
  }
  EXPECT_LT(err, 1e-4 * mag);
  const ReconstructionResult raw = run(1000.0, false);  // β = 0.1 on data of size 1000: almost no smoothing
  double d_raw = 0;
  for (std::int64_t i = 0; i < b.size(); ++i) d_raw = std::max(d_raw, std::abs(raw.x.data<float>()[i] - 1000.0 * b.data<float>()[i]));
  EXPECT_LT(d_raw, 0.5);
}

TEST(IrReconstruct, MemoryCheckFailsEarlyWithTheNumbers) {
  const Space im = physics::centred_space(64, 48, 1.0, 1.0);
  ReconstructionSpec s;
  s.A = std::make_shared<physics::IdentityOperator>(im);
  s.b = random_image(im, 1);
  s.priors.push_back({std::make_shared<TgvRegulariser>(2.0, 1.0), 0.1});
  const std::int64_t bytes = estimate_bytes(s);
  // Lower bound by hand: 3-plane variable (13 vectors), image-size measurement (6), TGV's
  // 2- and 3-plane splits with 5 buffers and a weight-free prior each.
  const std::int64_t n = 64 * 48;
  EXPECT_GE(bytes, 4 * (13 * 3 * n + 6 * n + 5 * 2 * n + 5 * 3 * n));
  EXPECT_GT(available_memory_bytes(), 0);
  s.memory_limit_bytes = bytes - 1;
  try {
    reconstruct(s);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(std::to_string(bytes)), std::string::npos) << what;
    EXPECT_NE(what.find(std::to_string(bytes - 1)), std::string::npos) << what;
  }
}

TEST(IrReconstruct, BadInputIsRejectedBeforeSolving) {
  const Space im = physics::centred_space(8, 8, 1.0, 1.0);
  ReconstructionSpec s;
  s.A = std::make_shared<physics::IdentityOperator>(im);
  s.b = random_image(im, 1);
  s.priors.push_back({std::make_shared<TvRegulariser>(), -0.1});
  EXPECT_THROW(reconstruct(s), std::invalid_argument);
  s.priors = {{std::make_shared<AnatomicalRegulariser>(1.0), 0.1}};
  try {
    reconstruct(s);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("guide"), std::string::npos);
  }
  s.priors.clear();
  s.b = random_image(physics::centred_space(8, 9, 1.0, 1.0), 1);
  EXPECT_THROW(reconstruct(s), std::invalid_argument);
  EXPECT_THROW(WaveletRegulariser(0), std::invalid_argument);
  EXPECT_THROW(HuberRegulariser(0.0), std::invalid_argument);
}

TEST(IrReconstruct, CtWeightsAndResidualMapFollowTheirFormulas) {
  const Space s = physics::centred_space(5, 4, 1.0, 1.0);
  Image b = random_image(s, 2);
  for (std::int64_t i = 0; i < b.size(); ++i) b.data<float>()[i] = 2.0f + b.data<float>()[i];
  const double I0 = 1e4, var = 30.0;
  const Image w = ct_statistical_weights(b, I0, var);
  std::vector<double> expect(std::size_t(b.size()));
  double mean = 0;
  for (std::int64_t i = 0; i < b.size(); ++i) {
    const double n = I0 * std::exp(-double(b.data<float>()[i]));
    expect[std::size_t(i)] = n * n / (n + var);
    mean += expect[std::size_t(i)] / double(b.size());
  }
  for (std::int64_t i = 0; i < b.size(); ++i) EXPECT_NEAR(w.data<float>()[i], expect[std::size_t(i)] / mean, 1e-5);
  // Identity A, W = 1: |x − b|.
  const physics::IdentityOperator I(s);
  const Image x = random_image(s, 3);
  const Image e = data_residual_map(I, x, b);
  for (std::int64_t i = 0; i < b.size(); ++i)
    EXPECT_NEAR(e.data<float>()[i], std::abs(x.data<float>()[i] - b.data<float>()[i]), 1e-5);
  // A projector: the exact solution has no residual anywhere; a wrong pixel shows where it is.
  const auto g = ct_geometry(16, 24);
  const physics::ParallelBeamProjector P(g);
  const Image truth = physics::shepp_logan(16, 16);
  const Image sino = P.apply(truth);
  const Image zero = data_residual_map(P, truth, sino);
  for (std::int64_t i = 0; i < zero.size(); ++i) EXPECT_NEAR(zero.data<float>()[i], 0.0, 1e-5);
  Image wrong = truth.clone();
  wrong.set_value(5, 9, 0, wrong.value(5, 9) + 1.0);
  const Image bad = data_residual_map(P, wrong, sino);
  std::int64_t arg = 0;
  for (std::int64_t i = 0; i < bad.size(); ++i)
    if (bad.data<float>()[i] > bad.data<float>()[arg]) arg = i;
  EXPECT_EQ(arg, 9 * 16 + 5);
}

TEST(IrReconstruct, CtTvMbirBeatsFbp) {
  // 64×64 Shepp–Logan (μ in 1/mm: values × 0.02), 90 views, Poisson noise at I0 = 1e4.
  // β = 8 in scaled units (data scale ≈ 0.0038/mm here): the data term of a 90-view sinogram is
  // far larger than a denoising one, so CT needs larger β than denoising (docs/reconstruction.md).
  const std::int64_t n = 64;
  const auto g = ct_geometry(n, 90);
  auto A = std::make_shared<physics::ParallelBeamProjector>(g);
  Image truth = physics::shepp_logan(n, n);
  for (std::int64_t i = 0; i < truth.size(); ++i) truth.data<float>()[i] *= 0.02f;
  const double I0 = 1e4;
  const Image sino = poisson_sinogram(A->apply(truth), I0, 7);
  const Image fbp = physics::fbp(physics::Sinogram{sino, g});
  const double range = 0.02;
  const double psnr_fbp = physics::ptest::psnr(truth, fbp, range);

  ReconstructionSpec s;
  s.A = A;
  s.b = sino;
  s.W = ct_statistical_weights(sino, I0);
  s.priors.push_back({std::make_shared<TvRegulariser>(), 8.0});
  s.nonnegative = true;
  s.admm.rho = 5.0, s.admm.max_iterations = 60, s.admm.cg_max_iterations = 10, s.admm.cg_rel_tol = 1e-4;
  s.admm.record_objective = false;
  s.residual_map = true;
  s.reference = truth;
  const ReconstructionResult r = reconstruct(s);
  const double psnr_tv = physics::ptest::psnr(truth, r.x, range);
  // The recorded error is ‖x − truth‖/‖truth‖ of the returned image (same units after scaling).
  double e2 = 0, t2 = 0;
  for (std::int64_t i = 0; i < truth.size(); ++i) {
    e2 += std::pow(double(r.x.data<float>()[i]) - truth.data<float>()[i], 2);
    t2 += std::pow(double(truth.data<float>()[i]), 2);
  }
  EXPECT_NEAR(r.stats.history.back().error, std::sqrt(e2 / t2), 1e-4);
  EXPECT_LT(r.stats.history.back().error, r.stats.history.front().error);

  // Two-level multi-resolution: 32×32 first, its result starting the 64×64 solve.
  ReconstructionSpec m = s;
  m.multires_levels = 2;
  m.make_operator = [&](Space coarse) {
    physics::ProjectionGeometry gc = g;
    gc.image_nx = coarse.nx, gc.image_ny = coarse.ny, gc.pixel_dx = coarse.spacing[0], gc.pixel_dy = coarse.spacing[1];
    return std::make_shared<physics::ParallelBeamProjector>(gc);
  };
  m.admm.max_iterations = 30;
  m.reference = Image{};
  const ReconstructionResult rm = reconstruct(m);
  const double psnr_mr = physics::ptest::psnr(truth, rm.x, range);
  std::printf("CT 64x64, 90 views, I0 1e4: PSNR FBP %.2f dB, TV-MBIR %.2f dB (%d it, %d CG, scale %.4g), "
              "multires 2 levels (30+30 it) %.2f dB\n",
              psnr_fbp, psnr_tv, r.stats.iterations, r.stats.cg_iterations, r.data_scale, psnr_mr);
  EXPECT_GT(psnr_tv, psnr_fbp + 4.0);
  EXPECT_GT(psnr_mr, psnr_fbp + 4.0);
  ASSERT_EQ(rm.coarse.size(), 1u);
  EXPECT_EQ(rm.coarse[0].x.nx(), 32);
  ASSERT_FALSE(r.residual_map.empty());
  EXPECT_TRUE(A->domain().matches(r.residual_map));
}
