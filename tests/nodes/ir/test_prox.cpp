// libmirflow_ir: the gradient operator and the priors' proximal operators.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <functional>
#include <tuple>

#include "mirflow_ir/gradient.hpp"
#include "mirflow_ir/prox.hpp"
#include "physics_test_util.hpp"

using namespace mirflow;
using namespace mirflow::ir;
using mirflow::physics::Space;

namespace {

Image filled(std::int64_t nx, std::int64_t ny, std::initializer_list<float> v) {
  Image im = Image::allocate2d(DType::F32, nx, ny);
  std::int64_t i = 0;
  for (float f : v) im.data<float>()[i++] = f;
  return im;
}

Image prox_of(const Prior& p, const Image& v, double tau) {
  Image out = Image::allocate2d(DType::F32, v.nx(), v.ny());
  p.prox(v, tau, out);
  return out;
}

// argmin over a fine grid then golden section of a convex scalar function.
double argmin_scalar(const std::function<double(double)>& f, double lo, double hi) {
  const double g = (std::sqrt(5.0) - 1) / 2;
  double a = lo, b = hi;
  for (int i = 0; i < 200; ++i) {
    const double c = b - g * (b - a), d = a + g * (b - a);
    if (f(c) < f(d)) b = d;
    else a = c;
  }
  return 0.5 * (a + b);
}

}  // namespace

TEST(IrGradient, AdjointAndValues) {
  for (auto [nx, ny, dx, dy] : {std::tuple{7, 5, 1.0, 1.0}, std::tuple{16, 9, 0.5, 2.0}, std::tuple{1, 6, 1.0, 0.7}}) {
    const GradientOperator G(physics::centred_space(nx, ny, dx, dy));
    EXPECT_EQ(G.range().nx, nx);
    EXPECT_EQ(G.range().ny, 2 * ny);
    EXPECT_LT(physics::ptest::adjoint_mismatch(G, 3), 1e-6) << nx << "x" << ny;
  }
  // x(i, j) = 2i + 3j on a grid of spacing (0.5, 2): interior slopes 4 and 1.5, Neumann zeros.
  const Space s = physics::centred_space(4, 3, 0.5, 2.0);
  Image x = s.allocate();
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 4; ++i) x.data<float>()[j * 4 + i] = float(2 * i + 3 * j);
  const Image g = GradientOperator(s).apply(x);
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 4; ++i) {
      EXPECT_FLOAT_EQ(g.value(i, j), i < 3 ? 4.f : 0.f);
      EXPECT_FLOAT_EQ(g.value(i, j + 3), j < 2 ? 1.5f : 0.f);
    }
  // A constant image has zero gradient; the adjoint of anything sums to zero (−div, Neumann).
  Image c = s.allocate();
  for (int i = 0; i < 12; ++i) c.data<float>()[i] = 5.f;
  EXPECT_EQ(physics::ptest::norm(GradientOperator(s).apply(c)), 0.0);
  const Image d = GradientOperator(s).adjoint(physics::ptest::random_image(GradientOperator(s).range(), 9));
  double sum = 0;
  for (int i = 0; i < 12; ++i) sum += d.data<float>()[i];
  EXPECT_NEAR(sum, 0.0, 1e-5);
}

TEST(IrProx, ClosedFormValues) {
  const Image v = filled(4, 1, {3.f, -0.5f, -2.f, 1.f});
  const Image l1 = prox_of(L1Prior(), v, 1.0);
  EXPECT_FLOAT_EQ(l1.value(0, 0), 2.f);
  EXPECT_FLOAT_EQ(l1.value(1, 0), 0.f);
  EXPECT_FLOAT_EQ(l1.value(2, 0), -1.f);
  EXPECT_FLOAT_EQ(l1.value(3, 0), 0.f);
  EXPECT_DOUBLE_EQ(L1Prior().value(v, 2.0), 2.0 * 6.5);
  const Image nn = prox_of(NonNegativePrior(), v, 3.0);
  EXPECT_FLOAT_EQ(nn.value(0, 0), 3.f);
  EXPECT_FLOAT_EQ(nn.value(2, 0), 0.f);
  EXPECT_TRUE(std::isinf(NonNegativePrior().value(v)));
  EXPECT_EQ(NonNegativePrior().value(nn), 0.0);

  // Field 2 pixels × 1 row: components stacked (x plane row 0, y plane row 1).
  const Image f = filled(2, 2, {3.f, 0.3f, 4.f, 0.4f});  // |g| = 5 and 0.5
  const Image gl = prox_of(GroupL1Prior(), f, 1.0);
  EXPECT_FLOAT_EQ(gl.value(0, 0), 3.f * 4 / 5);
  EXPECT_FLOAT_EQ(gl.value(0, 1), 4.f * 4 / 5);
  EXPECT_FLOAT_EQ(gl.value(1, 0), 0.f);
  EXPECT_FLOAT_EQ(gl.value(1, 1), 0.f);
  EXPECT_NEAR(GroupL1Prior().value(f), 5.5, 1e-6);
  // Huber δ = 1, τ = 1: r = 5 > δ+τ → r − τ = 4; r = 0.5 ≤ 2 → r·δ/(δ+τ) = 0.25.
  const HuberPrior h(1.0);
  const Image hu = prox_of(h, f, 1.0);
  EXPECT_FLOAT_EQ(hu.value(0, 0), 3.f * 4 / 5);
  EXPECT_FLOAT_EQ(hu.value(1, 0), 0.15f);
  EXPECT_FLOAT_EQ(hu.value(1, 1), 0.2f);
  EXPECT_NEAR(h.value(f), (5 - 0.5) + 0.25 / 2, 1e-6);

  // A weight map: pixel 0 weight 0 (unchanged), pixel 1 weight 2.
  L1Prior wl1;
  wl1.set_weight_map(filled(4, 1, {0.f, 1.f, 0.5f, 2.f}));
  const Image wl = prox_of(wl1, v, 1.0);
  EXPECT_FLOAT_EQ(wl.value(0, 0), 3.f);
  EXPECT_FLOAT_EQ(wl.value(2, 0), -1.5f);
  EXPECT_FLOAT_EQ(wl.value(3, 0), 0.f);
  EXPECT_DOUBLE_EQ(wl1.value(v), 0 * 3 + 0.5 + 1.0 + 2.0);
  GroupL1Prior wg;
  wg.set_weight_map(filled(2, 1, {0.f, 1.f}));
  EXPECT_FLOAT_EQ(prox_of(wg, f, 1.0).value(0, 1), 4.f);
  EXPECT_THROW(wg.value(filled(3, 2, {})), std::invalid_argument);
}

// prox_{τf}(v) + τ·prox_{f*/τ}(v/τ) = v, with f* the indicator of the dual-norm ball of radius w
// (ℓ∞ for L1, pixelwise ℓ2 for group L1): its prox is the projection onto the ball.
TEST(IrProx, MoreauIdentity) {
  const Space s = physics::centred_space(13, 11, 1.0, 1.0);
  for (double tau : {0.05, 0.3, 1.7}) {
    const Image v = physics::ptest::random_image(s, 11);
    const Image weights = physics::ptest::random_image(s, 12);
    for (std::int64_t i = 0; i < weights.size(); ++i) weights.data<float>()[i] = std::abs(weights.data<float>()[i]);
    L1Prior l1;
    l1.set_weight_map(weights);
    const Image p = prox_of(l1, v, tau);
    double err = 0;
    for (std::int64_t i = 0; i < v.size(); ++i) {
      const double w = weights.data<float>()[i], y = v.data<float>()[i] / tau;
      const double proj = std::clamp(y, -w, w);
      err = std::max(err, std::abs(p.data<float>()[i] + tau * proj - v.data<float>()[i]));
    }
    EXPECT_LT(err, 1e-6) << "l1 tau " << tau;

    const Space fs = field_space(s);
    const Image g = physics::ptest::random_image(fs, 13);
    GroupL1Prior gl;
    gl.set_weight_map(weights);
    const Image q = prox_of(gl, g, tau);
    const std::int64_t n = s.size();
    err = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double w = weights.data<float>()[i], a = g.data<float>()[i] / tau, b = g.data<float>()[i + n] / tau;
      const double r = std::hypot(a, b), k = r > w ? w / r : 1.0;
      err = std::max(err, std::abs(q.data<float>()[i] + tau * k * a - g.data<float>()[i]));
      err = std::max(err, std::abs(q.data<float>()[i + n] + tau * k * b - g.data<float>()[i + n]));
    }
    EXPECT_LT(err, 1e-6) << "group l1 tau " << tau;
  }
}

// The prox minimises τR(x) + ½(x − v)² : compare with a brute-force scalar minimisation.
TEST(IrProx, OptimalityAgainstBruteForce) {
  const HuberPrior hub(0.7);
  for (double v : {-3.0, -0.9, -0.2, 0.0, 0.35, 1.1, 2.5}) {
    for (double tau : {0.1, 0.6, 2.0}) {
      const Image vi = filled(1, 1, {float(v)});
      const double l1 = prox_of(L1Prior(), vi, tau).value(0, 0);
      const double l1_bf = argmin_scalar([&](double x) { return tau * std::abs(x) + 0.5 * (x - v) * (x - v); }, -5, 5);
      EXPECT_NEAR(l1, l1_bf, 1e-5) << v << " " << tau;
      const double nn_bf = argmin_scalar([&](double x) { return x < 0 ? 1e30 : 0.5 * (x - v) * (x - v); }, -5, 5);
      EXPECT_NEAR(prox_of(NonNegativePrior(), vi, tau).value(0, 0), nn_bf, 1e-5);
      // A field of one pixel with y component 0 reduces the group priors to scalars.
      const Image fi = filled(1, 2, {float(v), 0.f});
      auto huber = [&](double x) {
        const double r = std::abs(x);
        return r <= 0.7 ? r * r / 1.4 : r - 0.35;
      };
      const double hb_bf = argmin_scalar([&](double x) { return tau * huber(x) + 0.5 * (x - v) * (x - v); }, -5, 5);
      EXPECT_NEAR(prox_of(hub, fi, tau).value(0, 0), hb_bf, 1e-5) << v << " " << tau;
      EXPECT_NEAR(prox_of(GroupL1Prior(), fi, tau).value(0, 0), l1_bf, 1e-5);
    }
  }
  // A genuinely 2-D check for Huber: minimise along the ray (the prox keeps the direction).
  const Image f2 = filled(1, 2, {0.6f, -0.8f});  // |v| = 1
  for (double tau : {0.1, 0.5, 3.0}) {
    const Image p = prox_of(hub, f2, tau);
    const double r = argmin_scalar(
        [&](double t) { return tau * (t <= 0.7 ? t * t / 1.4 : t - 0.35) + 0.5 * (t - 1) * (t - 1); }, 0, 2);
    EXPECT_NEAR(p.value(0, 0), 0.6 * r, 1e-5);
    EXPECT_NEAR(p.value(0, 1), -0.8 * r, 1e-5);
  }
}
