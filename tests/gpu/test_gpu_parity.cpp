// CPU/GPU parity of the CUDA kernels: every operator (projector pair, gradient, TGV's maps, plane
// selector, wavelet), every prox and prior value, the solver's vectors, ADMM and reconstruct()
// run on host and device images from the same inputs, and the device results must equal the
// host's within 1e-5 relative (1e-4 for whole solves, whose float sums differ in order). The
// adjoint identity is checked on the device as well, with signed inputs, odd and non-square
// sizes and anisotropic spacing. On a machine without a CUDA device every test skips, saying so.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>

#include "mirflow_gpu/device.hpp"
#include "mirflow_ir/admm.hpp"
#include "mirflow_ir/gradient.hpp"
#include "mirflow_ir/pcg.hpp"
#include "mirflow_ir/planes.hpp"
#include "mirflow_ir/priors.hpp"
#include "mirflow_ir/prox.hpp"
#include "mirflow_ir/reconstruct.hpp"
#include "mirflow_ir/tgv_operators.hpp"
#include "mirflow_ir/wavelet.hpp"
#include "mirflow_physics/device_kernels.hpp"
#include "mirflow_physics/gaussian_blur.hpp"
#include "mirflow_physics/phantom.hpp"
#include "mirflow_physics/projector.hpp"
#include "physics_test_util.hpp"

using namespace mirflow;
using namespace mirflow::ir;
using physics::LinearOperator;
using physics::Space;
using physics::ptest::random_image;

namespace {

constexpr double kParity = 1e-5;  // relative, one operator application
constexpr double kSolve = 1e-4;   // relative, a whole solve

#define REQUIRE_DEVICE()                                                                                   \
  if (!gpu::install())                                                                                     \
  GTEST_SKIP() << "no CUDA device on this machine: the CPU/GPU parity tests run where a device is present " \
                  "(kernels compiled with nvcc, not run)"

Image up(const Image& im) { return physics::to_device(im, Device::CUDA); }
Image down(const Image& im) { return physics::to_device(im, Device::CPU); }

// ‖a − b‖ / ‖b‖ over all floats (a on either device, b on the host).
double rel_diff(const Image& a_any, const Image& b) {
  const Image a = down(a_any);
  EXPECT_EQ(a.size(), b.size());
  const float* p = a.data<float>();
  const float* q = b.data<float>();
  double d = 0, n = 0;
  for (std::int64_t i = 0; i < b.size() * b.components(); ++i) {
    d += (double(p[i]) - double(q[i])) * (double(p[i]) - double(q[i]));
    n += double(q[i]) * double(q[i]);
  }
  return n > 0 ? std::sqrt(d / n) : std::sqrt(d);
}

// Forward and adjoint on the device equal the host's; the adjoint identity holds on the device.
void expect_operator_parity(const LinearOperator& A, std::uint32_t seed) {
  const Image x = random_image(A.domain(), seed), y = random_image(A.range(), seed + 7);
  Image ax = A.range().allocate(), aty = A.domain().allocate();
  A.apply_into(x, ax);
  A.adjoint_into(y, aty);
  const Image dx = up(x), dy = up(y);
  Image dax = A.range().allocate(Device::CUDA), daty = A.domain().allocate(Device::CUDA);
  A.apply_into(dx, dax);
  A.adjoint_into(dy, daty);
  EXPECT_LT(rel_diff(dax, ax), kParity) << A.name() << " forward";
  EXPECT_LT(rel_diff(daty, aty), kParity) << A.name() << " adjoint";
  const double lhs = physics::dot(dax, dy), rhs = physics::dot(dx, daty);
  const double mismatch = std::abs(lhs - rhs) / (std::sqrt(physics::dot(dax, dax)) * std::sqrt(physics::dot(dy, dy)));
  EXPECT_LT(mismatch, 1e-5) << A.name() << " adjoint identity on the device";
  std::printf("%s: forward %.2g, adjoint %.2g relative to the CPU; device adjoint mismatch %.2g\n", A.name().c_str(),
              rel_diff(dax, ax), rel_diff(daty, aty), mismatch);
}

physics::ProjectionGeometry parallel(std::int64_t nx, std::int64_t ny, double dx, double dy, std::int64_t views,
                                     std::int64_t bins, double offset) {
  physics::ProjectionGeometry g;
  g.angles_deg = physics::angle_span(3.7, 180.0, views);
  g.image_nx = nx, g.image_ny = ny, g.pixel_dx = dx, g.pixel_dy = dy;
  g.bins = bins, g.bin_spacing = 0.9, g.detector_offset = offset;
  return g;
}

physics::ProjectionGeometry fan(physics::DetectorShape det) {
  physics::ProjectionGeometry g;
  g.beam = physics::Beam::Fan;
  g.detector = det;
  g.angles_deg = physics::angle_span(5.0, 360.0, 41);
  g.image_nx = 40, g.image_ny = 27, g.pixel_dx = 0.7, g.pixel_dy = 1.3;
  g.bins = 47, g.bin_spacing = 1.9, g.detector_offset = 3.1;
  g.source_to_isocenter = 45.0, g.source_to_detector = 90.0;
  return g;
}

}  // namespace

TEST(GpuDispatch, CudaImageWithoutKernelsIsAClearError) {
  if (physics::device_kernels()) GTEST_SKIP() << "kernels are installed here; this checks the machine without them";
  // Host memory labelled CUDA: no kernel may touch it, the operator must refuse by name first.
  const Space s = physics::centred_space(8, 6, 1.0, 1.0);
  auto make = [&](std::int64_t floats) {
    auto* mem = new float[std::size_t(floats)]();
    auto storage = Storage::wrap(mem, std::size_t(floats) * sizeof(float), Device::CUDA,
                                 [](void* p) { delete[] static_cast<float*>(p); });
    return Image::view(storage, 0, DType::F32, {s.nx, floats / s.nx, 1}, 2);
  };
  const GradientOperator grad(s);
  try {
    grad.apply_into(make(s.size()), make(2 * s.size()));
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("gradient"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("gpu plugin"), std::string::npos) << e.what();
  }
  // An operator without a device version is refused by name before the solver touches memory.
  AdmmProblem P;
  P.A = std::make_shared<physics::GaussianBlur>(s, 1.0, 1.0);
  P.b = make(s.size());
  try {
    admm(P);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("gaussian_blur has no cuda version"), std::string::npos) << e.what();
  }
}

TEST(GpuVectors, MatchTheCpu) {
  REQUIRE_DEVICE();
  const Space s = physics::centred_space(317, 331, 1.0, 1.0);  // > 100 000 floats: several blocks
  const Image a = random_image(s, 1), b = random_image(s, 2), w = random_image(s, 3);
  const Image da = up(a), db = up(b), dw = up(w);
  EXPECT_NEAR(vec::dot(da, db), vec::dot(a, b), 1e-9 * vec::norm(a) * vec::norm(b));
  EXPECT_NEAR(vec::weighted_dot(dw, da, db), vec::weighted_dot(w, a, b), 1e-9 * vec::norm(a) * vec::norm(b));
  Image y = b.clone(), dy = up(b);
  vec::axpy(0.37, a, y), vec::axpy(0.37, da, dy);
  EXPECT_LT(rel_diff(dy, y), 1e-7);
  vec::xpay(a, -1.3, y), vec::xpay(da, -1.3, dy);
  EXPECT_LT(rel_diff(dy, y), 1e-7);
  vec::scale(y, 0.25), vec::scale(dy, 0.25);
  vec::multiply(w, y), vec::multiply(dw, dy);
  EXPECT_LT(rel_diff(dy, y), 1e-7);
  vec::fill(dy, 2.5);
  EXPECT_NEAR(vec::dot(dy, dy), 2.5 * 2.5 * double(s.size()), 1e-6);
}

TEST(GpuProjector, ParallelAndFanMatchTheCpu) {
  REQUIRE_DEVICE();
  expect_operator_parity(*physics::make_projector(parallel(31, 31, 1.0, 1.0, 37, 45, 0.0)), 11);
  expect_operator_parity(*physics::make_projector(parallel(40, 27, 0.7, 1.3, 50, 61, 2.3)), 12);
  expect_operator_parity(*physics::make_projector(fan(physics::DetectorShape::Flat)), 13);
  expect_operator_parity(*physics::make_projector(fan(physics::DetectorShape::Arc)), 14);
}

TEST(GpuOperators, GradientTgvPlanesAndWaveletMatchTheCpu) {
  REQUIRE_DEVICE();
  const Space im = physics::centred_space(37, 23, 0.7, 1.3);
  Space variable = im;
  variable.ny = 3 * im.ny;
  expect_operator_parity(GradientOperator(im), 21);
  expect_operator_parity(SymmetrisedGradient(im), 22);
  expect_operator_parity(GradientMinusField(variable, im, 0, 1), 23);
  expect_operator_parity(PlaneSelector(variable, im, 1, 2), 24);
  expect_operator_parity(Daubechies4Wavelet(im, 3, {5, 2}), 25);
  expect_operator_parity(Daubechies4Wavelet(physics::centred_space(64, 48, 1.0, 1.0), 4), 26);
}

TEST(GpuPriors, ProxesAndValuesMatchTheCpu) {
  REQUIRE_DEVICE();
  const Space im = physics::centred_space(37, 23, 1.0, 1.0);
  Space field2 = im, field3 = im;
  field2.ny = 2 * im.ny, field3.ny = 3 * im.ny;
  Image map = random_image(im, 31);
  for (std::int64_t i = 0; i < map.size(); ++i) map.data<float>()[i] = std::abs(map.data<float>()[i]);
  struct Case {
    std::shared_ptr<Prior> prior;
    Space space;
    bool weighted;
  };
  const Case cases[] = {
      {std::make_shared<L1Prior>(), im, false},           {std::make_shared<L1Prior>(), im, true},
      {std::make_shared<GroupL1Prior>(2), field2, false}, {std::make_shared<GroupL1Prior>(2), field2, true},
      {std::make_shared<GroupL1Prior>(3), field3, true},  {std::make_shared<HuberPrior>(0.3), field2, false},
      {std::make_shared<HuberPrior>(0.3), field2, true},  {std::make_shared<NonNegativePrior>(), im, false},
  };
  for (const Case& c : cases) {
    if (c.weighted) c.prior->set_weight_map(map);
    const Image v = random_image(c.space, 41);
    Image out = c.space.allocate(), dout = c.space.allocate(Device::CUDA);
    c.prior->prox(v, 0.4, out);
    c.prior->prox(up(v), 0.4, dout);
    EXPECT_LT(rel_diff(dout, out), kParity) << c.prior->name() << (c.weighted ? " weighted" : "");
    const double hv = c.prior->value(v, 1.7), dv = c.prior->value(up(v), 1.7);
    if (std::isinf(hv)) EXPECT_TRUE(std::isinf(dv)) << c.prior->name();
    else EXPECT_NEAR(dv, hv, 1e-9 * std::abs(hv) + 1e-12) << c.prior->name();
    const double hp = c.prior->value(out), dp = c.prior->value(dout);  // the prox of nonneg is feasible
    if (std::isinf(hp)) EXPECT_TRUE(std::isinf(dp)) << c.prior->name();
    else EXPECT_NEAR(dp, hp, 1e-6 * std::abs(hp) + 1e-9) << c.prior->name();
  }
}

namespace {

// The same solve on host and device: x within kSolve, the same number of iterations.
void expect_solve_parity(const ReconstructionSpec& host_spec, const char* what) {
  const ReconstructionResult h = reconstruct(host_spec);
  ReconstructionSpec d = host_spec;
  d.device = Device::CUDA;
  const ReconstructionResult g = reconstruct(d);
  EXPECT_EQ(g.x.device(), Device::CPU);
  EXPECT_EQ(g.stats.iterations, h.stats.iterations) << what;
  EXPECT_LT(rel_diff(g.x, h.x), kSolve) << what;
  std::printf("%s: %d iterations (%d CG), device vs host x %.2g relative\n", what, h.stats.iterations,
              h.stats.cg_iterations, rel_diff(g.x, h.x));
}

}  // namespace

TEST(GpuAdmm, CtTvWithCirculantPreconditionerMatchesTheCpu) {
  REQUIRE_DEVICE();
  const physics::ProjectionGeometry g = parallel(48, 48, 1.0, 1.0, 60, 70, 0.0);
  auto A = std::shared_ptr<const LinearOperator>(physics::make_projector(g));
  ReconstructionSpec s;
  s.A = A;
  s.b = A->apply(physics::shepp_logan(48, 48));
  s.priors.push_back({std::make_shared<TvRegulariser>(), 0.02});
  s.nonnegative = true;
  s.admm.max_iterations = 15;
  s.admm.balance_rho = false;  // a ρ decision must not flip on a rounding difference
  s.admm.abs_tol = 0, s.admm.rel_tol = 0;
  s.admm.circulant_preconditioner = true;
  expect_solve_parity(s, "CT TV + non-negativity (PCG, circulant)");
}

TEST(GpuAdmm, DenoisingWithTgvHuberAndWaveletMatchesTheCpu) {
  REQUIRE_DEVICE();
  const Space im = physics::centred_space(45, 38, 1.0, 1.0);
  Image b = physics::shepp_logan(45, 38);
  const Image n = random_image(im, 51);
  vec::axpy(0.05, n, b);
  const std::shared_ptr<const Regulariser> priors[] = {std::make_shared<TgvRegulariser>(2.0, 1.0),
                                                       std::make_shared<HuberRegulariser>(0.05),
                                                       std::make_shared<WaveletRegulariser>(3, 2, 7)};
  for (const auto& p : priors) {
    ReconstructionSpec s;
    s.A = std::make_shared<physics::IdentityOperator>(im);
    s.b = b;
    s.priors.push_back({p, 0.05});
    s.admm.max_iterations = 20;
    s.admm.balance_rho = false;
    s.admm.abs_tol = 0, s.admm.rel_tol = 0;
    expect_solve_parity(s, ("identity + " + p->name()).c_str());
  }
}

TEST(GpuDispatch, AllocatingFormsRefuseADeviceTheOperatorDoesNotRunOn) {
  // Host memory labelled CUDA: Gaussian blur has no device version and must refuse it by name
  // before reading it (on every machine, with or without kernels).
  const Space s = physics::centred_space(8, 6, 1.0, 1.0);
  auto* mem = new float[std::size_t(s.size())]();
  const Image x = Image::view(Storage::wrap(mem, std::size_t(s.size()) * sizeof(float), Device::CUDA,
                                            [](void* p) { delete[] static_cast<float*>(p); }),
                              0, DType::F32, {s.nx, s.ny, 1}, 2);
  const physics::GaussianBlur blur(s, 1.0, 1.0);
  try {
    blur.apply(x);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("gaussian_blur"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cuda memory"), std::string::npos) << e.what();
  }
}

TEST(GpuDispatch, ToDeviceOnTheHostNeedsNoKernels) {
  // Every other column of an 8×3 image: a strided host image becomes a contiguous host copy.
  Image full = Image::allocate2d(DType::F32, 8, 3);
  for (std::int64_t i = 0; i < full.size(); ++i) full.data<float>()[i] = float(i);
  const Image strided = Image::view(full.storage(), 0, DType::F32, {4, 3, 1}, 2, {2, 8, 0});
  const Image copy = physics::to_device(strided, Device::CPU);
  ASSERT_TRUE(copy.contiguous());
  ASSERT_EQ(copy.device(), Device::CPU);
  for (std::int64_t y = 0; y < 3; ++y)
    for (std::int64_t x = 0; x < 4; ++x) EXPECT_EQ(copy.at<float>(x, y), float(y * 8 + 2 * x));
}
