// libmirflow_ir operators: adjoint identities (signed inputs, odd and non-square sizes,
// anisotropic spacing), the Daubechies-4 taps against the published values, orthonormality and
// perfect reconstruction, the normal-inverse hook against Kᴴ W K applied explicitly, the
// symmetrised gradient on an analytic field, and the Moreau identity of the 3-component group prox.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "mirflow_ir/gradient.hpp"
#include "mirflow_ir/planes.hpp"
#include "mirflow_ir/prox.hpp"
#include "mirflow_ir/regulariser.hpp"
#include "mirflow_ir/tgv_operators.hpp"
#include "mirflow_ir/wavelet.hpp"
#include "mirflow_physics/parallel_beam.hpp"
#include "physics_test_util.hpp"

using namespace mirflow;
using namespace mirflow::ir;
using physics::Space;
using physics::ptest::adjoint_mismatch;
using physics::ptest::random_image;

namespace {

Space space(std::int64_t nx, std::int64_t ny, double dx = 1.0, double dy = 1.0) {
  return physics::centred_space(nx, ny, dx, dy);
}
Space stacked(const Space& image, int planes) {
  Space s = image;
  s.ny = image.ny * planes;
  return s;
}

const std::vector<std::array<std::int64_t, 2>> kSizes = {{16, 16}, {17, 9}, {7, 31}, {33, 20}, {1, 5}};

}  // namespace

TEST(IrOperators, WaveletTapsArePublishedDaubechies4) {
  // Daubechies (1988), Table 1 (N = 2), normalised so Σh = √2: the closed form given in the
  // brief, evaluated here independently, and the decimal values printed in the literature.
  const auto h = daubechies4_taps();
  const double published[4] = {0.4829629131445341, 0.8365163037378079, 0.2241438680420134, -0.1294095225512604};
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(h[k], published[k], 1e-15) << k;
  const double s3 = std::sqrt(3.0), d = 4 * std::sqrt(2.0);
  EXPECT_DOUBLE_EQ(h[0], (1 + s3) / d);
  EXPECT_DOUBLE_EQ(h[3], (1 - s3) / d);
  // Orthonormality of the filter and its even shift; two vanishing moments of g.
  EXPECT_NEAR(h[0] * h[0] + h[1] * h[1] + h[2] * h[2] + h[3] * h[3], 1.0, 1e-15);
  EXPECT_NEAR(h[0] * h[2] + h[1] * h[3], 0.0, 1e-15);
  const double g[4] = {h[3], -h[2], h[1], -h[0]};
  EXPECT_NEAR(g[0] + g[1] + g[2] + g[3], 0.0, 1e-15);
  EXPECT_NEAR(0 * g[0] + 1 * g[1] + 2 * g[2] + 3 * g[3], 0.0, 1e-14);
}

TEST(IrOperators, WaveletIsOrthonormalWithPerfectReconstruction) {
  for (int levels : {1, 3}) {
    for (auto [nx, ny] : kSizes) {
      for (std::array<std::int64_t, 2> shift : {std::array<std::int64_t, 2>{0, 0}, {3, 5}}) {
        Daubechies4Wavelet W(space(nx, ny, 0.7, 1.3), levels, shift);
        SCOPED_TRACE(std::to_string(nx) + "x" + std::to_string(ny) + " levels " + std::to_string(levels));
        EXPECT_LT(adjoint_mismatch(W, 11), 1e-6);
        const Image x = random_image(W.domain(), 5);
        const Image c = W.apply(x);
        // ‖Wx‖ = ‖x‖ (isometry) and WᴴW x = x (perfect reconstruction).
        EXPECT_NEAR(physics::ptest::norm(c), physics::ptest::norm(x), 1e-5 * physics::ptest::norm(x));
        const Image back = W.adjoint(c);
        for (std::int64_t i = 0; i < x.size(); ++i) ASSERT_NEAR(back.data<float>()[i], x.data<float>()[i], 2e-6);
        // When no padding is needed W is square: W Wᴴ c = c for any coefficients too.
        if (W.range().nx == nx && W.range().ny == ny) {
          const Image cr = random_image(W.range(), 8);
          const Image again = W.apply(W.adjoint(cr));
          for (std::int64_t i = 0; i < cr.size(); ++i) ASSERT_NEAR(again.data<float>()[i], cr.data<float>()[i], 2e-6);
        }
      }
    }
  }
}

TEST(IrOperators, WaveletOfAConstantLivesInTheCoarseBand) {
  // Σh = √2 per level and dimension: a constant c becomes c·2^L in the coarse band, 0 elsewhere.
  const int L = 3;
  Daubechies4Wavelet W(space(32, 16), L);
  Image x = W.domain().allocate();
  vec::fill(x, 0.5);
  const Image c = W.apply(x);
  const Image weights = W.coefficient_weights({});
  for (std::int64_t j = 0; j < 16; ++j)
    for (std::int64_t i = 0; i < 32; ++i) {
      const bool coarse = i < (32 >> L) && j < (16 >> L);
      EXPECT_NEAR(c.value(i, j), coarse ? 0.5 * 8 : 0.0, 1e-5);
      EXPECT_EQ(weights.value(i, j), coarse ? 0.0 : 1.0);  // coarse band never thresholded
    }
}

TEST(IrOperators, SymmetrisedGradientAdjointAndAnalyticField) {
  for (auto [nx, ny] : kSizes) {
    SymmetrisedGradient E(space(nx, ny, 0.5, 2.0));
    EXPECT_LT(adjoint_mismatch(E, 3), 1e-6) << nx << "x" << ny;
  }
  // w1 = a·x² + b·y (x, y in mm), w2 = c·x·y: away from the last row and column the forward
  // differences give ∂x w1 = a(2x + dx), ∂y w2 = c·x, and (∂y w1 + ∂x w2)/√2 = (b + c·y)/√2.
  const double dx = 0.5, dy = 2.0, a = 0.3, b = -1.2, c = 0.7;
  const Space s = space(9, 7, dx, dy);
  SymmetrisedGradient E(s);
  Image w = E.domain().allocate();
  for (std::int64_t j = 0; j < s.ny; ++j)
    for (std::int64_t i = 0; i < s.nx; ++i) {
      const double x = i * dx, y = j * dy;
      w.set_value(i, j, 0, a * x * x + b * y);
      w.set_value(i, j + s.ny, 0, c * x * y);
    }
  const Image e = E.apply(w);
  for (std::int64_t j = 0; j + 1 < s.ny; ++j)
    for (std::int64_t i = 0; i + 1 < s.nx; ++i) {
      const double x = i * dx, y = j * dy;
      EXPECT_NEAR(e.value(i, j), a * (2 * x + dx), 1e-4);
      EXPECT_NEAR(e.value(i, j + s.ny), c * x, 1e-4);
      EXPECT_NEAR(e.value(i, j + 2 * s.ny), (b + c * y) / std::sqrt(2.0), 1e-4);
    }
}

TEST(IrOperators, LiftedOperatorsAreAdjoint) {
  for (auto [nx, ny] : kSizes) {
    SCOPED_TRACE(std::to_string(nx) + "x" + std::to_string(ny));
    const Space im = space(nx, ny, 0.8, 1.7), var = stacked(im, 4);
    EXPECT_LT(adjoint_mismatch(*plane_selector(var, im, 0, 1), 1), 1e-6);
    EXPECT_LT(adjoint_mismatch(*plane_selector(var, im, 1, 3), 2), 1e-6);
    EXPECT_LT(adjoint_mismatch(GradientMinusField(var, im, 0, 2), 3), 1e-6);
    EXPECT_LT(adjoint_mismatch(OnPlanes(std::make_shared<SymmetrisedGradient>(im), var, im, 1), 4), 1e-6);
    EXPECT_LT(adjoint_mismatch(OnPlanes(std::make_shared<GradientOperator>(im), var, im, 3), 5), 1e-6);
    EXPECT_LT(adjoint_mismatch(OnPlanes(std::make_shared<Daubechies4Wavelet>(im, 2, std::array<std::int64_t, 2>{1, 2}), var, im, 0), 6), 1e-6);
  }
  // A projector lifted onto plane 0 of a TGV-sized variable.
  physics::ProjectionGeometry g;
  g.angles_deg = physics::angle_span(1.5, 180.0, 20);
  g.image_nx = 21, g.image_ny = 14, g.pixel_dx = 1.0, g.pixel_dy = 1.5;
  g.bin_spacing = physics::default_bin_spacing(g);
  g.bins = physics::default_bins(g);
  auto P = std::make_shared<physics::ParallelBeamProjector>(g);
  const Space im = P->domain();
  EXPECT_LT(adjoint_mismatch(OnPlanes(P, stacked(im, 3), im, 0), 9), 1e-5);
}

TEST(IrOperators, LiftedOperatorsMoveTheRightPlanes) {
  // GradientMinusField against ∇ and the planes computed separately.
  const Space im = space(6, 5, 1.0, 2.0), var = stacked(im, 3);
  const Image v = random_image(var, 4);
  const Image y = GradientMinusField(var, im, 0, 1).apply(v);
  const Image gx = GradientOperator(im).apply(plane_view(v, im, 0, 1).clone());
  const Image w = plane_view(v, im, 1, 2).clone();
  for (std::int64_t i = 0; i < y.size(); ++i)
    EXPECT_NEAR(y.data<float>()[i], gx.data<float>()[i] - w.data<float>()[i], 1e-6);
}

TEST(IrOperators, NormalInverseHookMatchesExplicitNormal) {
  // For every operator that claims a diagonal normal: KᴴWK v = diag ⊙ v for random v and W ≥ 0.
  const Space im = space(16, 8), var = stacked(im, 3);
  struct Case {
    std::shared_ptr<const physics::LinearOperator> K;
    bool weighted;  // whether to test a non-uniform W (wavelets only claim uniform W)
  };
  const std::vector<Case> cases = {
      {std::make_shared<physics::IdentityOperator>(var), true},
      {plane_selector(var, im, 1, 2), true},
      {std::make_shared<OnPlanes>(std::make_shared<physics::IdentityOperator>(im), var, im, 2), true},
      {std::make_shared<Daubechies4Wavelet>(im, 3), false},
      {std::make_shared<Daubechies4Wavelet>(space(13, 9), 2, std::array<std::int64_t, 2>{1, 3}), false},
      {std::make_shared<OnPlanes>(std::make_shared<Daubechies4Wavelet>(im, 2), var, im, 0), false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.K->name());
    Image W;
    if (c.weighted) {
      W = random_image(c.K->range(), 3);
      for (std::int64_t i = 0; i < W.size(); ++i) W.data<float>()[i] = std::abs(W.data<float>()[i]);
    }
    Image d = c.K->domain().allocate();
    ASSERT_TRUE(c.K->normal_diagonal(W, d));
    const Image v = random_image(c.K->domain(), 7);
    Image kv = c.K->apply(v);
    if (!W.empty())
      for (std::int64_t i = 0; i < kv.size(); ++i) kv.data<float>()[i] *= W.data<float>()[i];
    const Image n = c.K->adjoint(kv);
    for (std::int64_t i = 0; i < v.size(); ++i)
      ASSERT_NEAR(n.data<float>()[i], d.data<float>()[i] * v.data<float>()[i], 1e-5) << i;
  }
  // Wavelets refuse a non-uniform W; the gradient has no diagonal normal.
  Daubechies4Wavelet Wv(im, 2);
  Image Wr = random_image(Wv.range(), 1), d = im.allocate();
  EXPECT_FALSE(Wv.normal_diagonal(Wr, d));
  EXPECT_FALSE(GradientOperator(im).normal_diagonal({}, d));
}

TEST(IrOperators, GroupL1ThreeComponentsMoreauIdentity) {
  // prox_{τf}(v) + τ·prox_{f*/τ}(v/τ) = v; f* is the indicator of {‖g_p‖ ≤ w_p}, whose prox is
  // the projection onto those balls, written here independently.
  const Space s = space(7, 5 * 3);
  const Image v = random_image(s, 12);
  const std::int64_t n = 7 * 5;
  GroupL1Prior prior(3);
  Image map = space(7, 5).allocate();
  for (std::int64_t p = 0; p < n; ++p) map.data<float>()[p] = float(0.2 + 0.1 * (p % 5));
  prior.set_weight_map(map);
  const double tau = 0.8;
  Image out = s.allocate();
  prior.prox(v, tau, out);
  for (std::int64_t p = 0; p < n; ++p) {
    double r2 = 0;
    for (int c = 0; c < 3; ++c) r2 += std::pow(v.data<float>()[p + c * n], 2);
    const double radius = tau * map.data<float>()[p], r = std::sqrt(r2);
    const double k = r > radius ? radius / r : 1.0;  // projection of v onto the ball of radius τw
    for (int c = 0; c < 3; ++c) {
      const double vi = v.data<float>()[p + c * n];
      EXPECT_NEAR(out.data<float>()[p + c * n] + k * vi, vi, 1e-6);
    }
  }
  // value: Σ w_p ‖g_p‖ against a direct sum.
  double expect = 0;
  for (std::int64_t p = 0; p < n; ++p) {
    double r2 = 0;
    for (int c = 0; c < 3; ++c) r2 += std::pow(v.data<float>()[p + c * n], 2);
    expect += map.data<float>()[p] * std::sqrt(r2);
  }
  EXPECT_NEAR(prior.value(v, 2.0), 2.0 * expect, 1e-9 * expect);
}

TEST(IrOperators, LargeImagesTakeTheParallelPathAndAgree) {
  // ≥ 2^16 floats: the loops run blocked under oneTBB; the adjoint identities and the prox
  // formula must hold there too.
  const Space im = space(301, 257, 0.9, 1.1), var = stacked(im, 3);
  EXPECT_LT(adjoint_mismatch(GradientOperator(im), 21), 1e-6);
  EXPECT_LT(adjoint_mismatch(SymmetrisedGradient(im), 22), 1e-6);
  EXPECT_LT(adjoint_mismatch(GradientMinusField(var, im, 0, 1), 23), 1e-6);
  EXPECT_LT(adjoint_mismatch(Daubechies4Wavelet(im, 4), 24), 1e-6);
  const Space field = stacked(im, 2);
  const Image v = random_image(field, 25);
  Image out = field.allocate();
  const double tau = 0.6;
  GroupL1Prior().prox(v, tau, out);
  const std::int64_t n = im.size();
  double worst = 0;
  for (std::int64_t p = 0; p < n; ++p) {
    const double a = v.data<float>()[p], b = v.data<float>()[p + n], r = std::hypot(a, b);
    const double k = r > tau ? 1 - tau / r : 0.0;
    worst = std::max({worst, std::abs(out.data<float>()[p] - a * k), std::abs(out.data<float>()[p + n] - b * k)});
  }
  EXPECT_LT(worst, 1e-6);
}
