// PWLS for CT (libmirflow_ir): the edge potentials, the 8-neighbour prior, the count weights,
// the view subsets and the OS-SQS solver. References are computed here, independently: closed
// forms and finite differences for the potentials and the prior, brute-force neighbour loops,
// dense Eigen solves of the normal equations (and a projected coordinate descent / an IRLS on the
// dense matrices for the constrained and edge-preserving problems).
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cstdio>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

#include "mirflow_ir/ct_weights.hpp"
#include "mirflow_ir/edge_potential.hpp"
#include "mirflow_ir/neighbour_prior.hpp"
#include "mirflow_ir/os_sqs.hpp"
#include "mirflow_physics/fbp.hpp"
#include "mirflow_physics/projector.hpp"
#include "mirflow_physics/units.hpp"
#include "physics_test_util.hpp"

using namespace mirflow;
using namespace mirflow::ir;
using physics::ProjectionGeometry;

namespace {

EdgePotential make_potential(PotentialKind k, double delta = 10.0, double q = 1.2) {
  EdgePotential p;
  p.kind = k, p.delta = delta, p.q = q;
  return p;
}

// Every potential the tests sweep, with q-GGMRF at both ends of its q range and in between.
std::vector<EdgePotential> all_potentials() {
  return {make_potential(PotentialKind::Quadratic), make_potential(PotentialKind::Huber),
          make_potential(PotentialKind::QGgmrf, 10.0, 1.0), make_potential(PotentialKind::QGgmrf, 10.0, 1.2),
          make_potential(PotentialKind::QGgmrf, 10.0, 2.0), make_potential(PotentialKind::Hyperbola),
          make_potential(PotentialKind::Huber, 0.3), make_potential(PotentialKind::QGgmrf, 0.3, 1.5),
          make_potential(PotentialKind::Hyperbola, 0.3)};
}

std::string label(const EdgePotential& p) {
  return std::string(potential_name(p.kind)) + " δ=" + std::to_string(p.delta) + " q=" + std::to_string(p.q);
}

// Points on both sides of δ (but not on it: Huber's ψ'' jumps there), near 0 and far out.
std::vector<double> sample_points(double delta) {
  std::vector<double> t = {1e-6, 1e-3, 0.1, 0.5 * delta, 0.9 * delta, 0.999 * delta, 1.001 * delta, 1.1 * delta,
                           2 * delta, 7.3 * delta, 50 * delta, 1e3 * delta, 1e5 * delta};
  for (double a = 0.05; a < 40; a *= 1.37) t.push_back(a);
  const std::size_t n = t.size();
  for (std::size_t i = 0; i < n; ++i) t.push_back(-t[i]);
  return t;
}

}  // namespace

// ---- edge potentials ---------------------------------------------------------------------------

TEST(EdgePotential, DerivativeMatchesCentralDifferencesOfTheValue) {
  for (const EdgePotential& p : all_potentials())
    for (const double t : sample_points(p.delta)) {
      // The hyperbola's δ²(√(1 + (t/δ)²) − 1) cancels for |t| ≪ δ (absolute error ~ε·δ², all of
      // ψ at t = 1e-6δ), so its differences say nothing there; its curvature is checked near 0 below.
      if (p.kind == PotentialKind::Hyperbola && std::abs(t) < 1e-2 * p.delta) continue;
      // h relative to |t|: keeps the O(h²) truncation small also where q-GGMRF's ψ''' blows up (t → 0).
      const double h = 1e-5 * std::abs(t);
      const double fd = (p.value(t + h) - p.value(t - h)) / (2 * h);
      const double d = p.derivative(t);
      EXPECT_NEAR(d, fd, 1e-6 * (std::abs(d) + std::abs(t) + 1e-3)) << label(p) << " t=" << t;
    }
}

TEST(EdgePotential, CurvatureIsDerivativeOverTAtMostOneAndOneAtZero) {
  for (const EdgePotential& p : all_potentials()) {
    EXPECT_EQ(p.curvature(0.0), 1.0) << label(p);
    EXPECT_EQ(p.derivative(0.0), 0.0) << label(p);
    // The limit ψ'(t)/t → 1 as t → 0, except for q-GGMRF with q = 2, which is t²/4 (curvature ½)
    // for every t ≠ 0; q-GGMRF approaches 1 slowly: ψ ≈ (t²/2)(1 − u), u = |t/δ|^{2−q}, so
    // ψ'(t)/t ≈ 1 − (2 − q/2)·u + O(u²).
    const double t0 = 1e-8 * p.delta;
    if (p.kind == PotentialKind::QGgmrf && p.q == 2.0) {
      EXPECT_EQ(p.curvature(t0), 0.5) << label(p);
    } else if (p.kind == PotentialKind::QGgmrf) {
      const double u = std::pow(1e-8, 2 - p.q);
      EXPECT_NEAR(p.curvature(t0), 1.0 - (2 - 0.5 * p.q) * u, 3 * u * u + 1e-15) << label(p);
    } else {
      EXPECT_NEAR(p.curvature(t0), 1.0, 1e-15) << label(p);
    }
    for (const double t : sample_points(p.delta)) {
      const double c = p.curvature(t);
      EXPECT_NEAR(c, p.derivative(t) / t, 1e-14 * std::abs(c)) << label(p) << " t=" << t;
      EXPECT_LE(c, 1.0 + 1e-15) << label(p) << " t=" << t;
      EXPECT_GT(c, 0.0) << label(p) << " t=" << t;
      EXPECT_EQ(p.curvature(-t), c) << label(p) << " t=" << t;
    }
  }
}

TEST(EdgePotential, EvenConvexAndZeroAtZero) {
  for (const EdgePotential& p : all_potentials()) {
    EXPECT_EQ(p.value(0.0), 0.0) << label(p);
    for (const double t : sample_points(p.delta)) {
      EXPECT_EQ(p.value(t), p.value(-t)) << label(p) << " t=" << t;
      EXPECT_EQ(p.derivative(t), -p.derivative(-t)) << label(p) << " t=" << t;
      EXPECT_GT(p.value(t), 0.0) << label(p) << " t=" << t;
    }
    // Second differences on a fine grid across ±10δ (crossing 0 and ±δ): ≥ 0 up to rounding.
    const double h = p.delta / 64;
    for (double t = -10 * p.delta; t <= 10 * p.delta; t += h) {
      const double s2 = p.value(t + h) - 2 * p.value(t) + p.value(t - h);
      EXPECT_GE(s2, -1e-13 * (p.value(t) + p.delta * p.delta)) << label(p) << " t=" << t;
    }
  }
}

TEST(EdgePotential, ClosedForms) {
  const std::vector<double> ts = sample_points(10.0);
  for (const double t : ts) {
    const double a = std::abs(t);
    EXPECT_DOUBLE_EQ(make_potential(PotentialKind::Quadratic).value(t), 0.5 * t * t);
    // Huber: quadratic inside δ, linear with slope δ outside, continuous at δ.
    const double huber = a <= 10 ? 0.5 * t * t : 10 * a - 50;
    EXPECT_NEAR(make_potential(PotentialKind::Huber).value(t), huber, 1e-12 * (1 + huber)) << t;
    // q-GGMRF with q = 2 is half the quadratic: (t²/2)/(1 + |t/δ|⁰).
    EXPECT_NEAR(make_potential(PotentialKind::QGgmrf, 10.0, 2.0).value(t), 0.25 * t * t, 1e-12 * (1 + t * t)) << t;
    // Thibault et al. (2007), ρ(Δ) = (|Δ|^p/p)/(1 + |Δ/c|^{p−q}) with p = 2, q = 1.2, c = δ.
    const double thibault = (std::pow(a, 2.0) / 2) / (1 + std::pow(a / 10, 0.8));
    EXPECT_NEAR(make_potential(PotentialKind::QGgmrf, 10.0, 1.2).value(t), thibault, 1e-12 * (1 + thibault)) << t;
    const double hyp = 100 * (std::sqrt(1 + t * t / 100) - 1);
    EXPECT_NEAR(make_potential(PotentialKind::Hyperbola).value(t), hyp, 1e-9 * (1 + hyp)) << t;
  }
  // Huber's derivative saturates at ±δ, the hyperbola's tends to δ, q-GGMRF grows like |t|^q.
  EXPECT_DOUBLE_EQ(make_potential(PotentialKind::Huber).derivative(1e4), 10.0);
  EXPECT_DOUBLE_EQ(make_potential(PotentialKind::Huber).derivative(-35.0), -10.0);
  EXPECT_NEAR(make_potential(PotentialKind::Hyperbola).derivative(1e6), 10.0, 1e-6);
  for (const double q : {1.0, 1.2, 1.7}) {
    const EdgePotential p = make_potential(PotentialKind::QGgmrf, 10.0, q);
    EXPECT_NEAR(p.value(2e20) / p.value(1e20), std::pow(2.0, q), 1e-4) << "q=" << q;
  }
}

TEST(EdgePotential, NamesAndValidation) {
  for (PotentialKind k : {PotentialKind::Quadratic, PotentialKind::Huber, PotentialKind::QGgmrf, PotentialKind::Hyperbola})
    EXPECT_EQ(potential_from_name(potential_name(k)), k);
  EXPECT_THROW(potential_from_name("tv"), std::invalid_argument);
  EXPECT_THROW(make_potential(PotentialKind::Huber, 0.0).validate(), std::invalid_argument);
  EXPECT_THROW(make_potential(PotentialKind::Huber, -1.0).validate(), std::invalid_argument);
  EXPECT_THROW(make_potential(PotentialKind::Huber, NAN).validate(), std::invalid_argument);
  EXPECT_THROW(make_potential(PotentialKind::QGgmrf, 1.0, 0.99).validate(), std::invalid_argument);
  EXPECT_THROW(make_potential(PotentialKind::QGgmrf, 1.0, 2.01).validate(), std::invalid_argument);
  EXPECT_NO_THROW(make_potential(PotentialKind::QGgmrf, 1.0, 1.0).validate());
  EXPECT_NO_THROW(make_potential(PotentialKind::QGgmrf, 1.0, 2.0).validate());
}

// ---- the neighbour prior -----------------------------------------------------------------------

namespace {

// The 8 neighbour offsets and their weights, written out.
struct Nb {
  int dx, dy;
  double w;
};
const Nb kEight[8] = {{-1, -1, M_SQRT1_2}, {0, -1, 1}, {1, -1, M_SQRT1_2}, {-1, 0, 1},
                      {1, 0, 1},           {-1, 1, M_SQRT1_2}, {0, 1, 1}, {1, 1, M_SQRT1_2}};

// R(x) by visiting every pixel's 8 neighbours and keeping the pair only from its lower raster index.
double prior_value_reference(const EdgePotential& p, double s, const std::vector<float>& x, int nx, int ny) {
  double r = 0;
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i)
      for (const Nb& n : kEight) {
        const int a = i + n.dx, b = j + n.dy;
        if (a < 0 || a >= nx || b < 0 || b >= ny || b * nx + a < j * nx + i) continue;
        r += n.w * p.value(s * (double(x[j * nx + i]) - double(x[b * nx + a])));
      }
  return r;
}

std::vector<float> random_pixels(int n, unsigned seed, double lo, double hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<float> x(static_cast<std::size_t>(n));
  for (float& v : x) v = float(u(rng));
  return x;
}

}  // namespace

TEST(NeighbourPrior, ValueCountsEveryUnorderedPairOnce) {
  const int nx = 7, ny = 5;
  const std::vector<float> x = random_pixels(nx * ny, 11, 0.0, 60.0);
  for (const EdgePotential& p : all_potentials()) {
    const NeighbourPrior R(p, 0.7, nx, ny);
    const double want = prior_value_reference(p, 0.7, x, nx, ny);
    EXPECT_NEAR(R.value(x.data()), want, 1e-12 * want) << label(p);
  }
  // Quadratic on a 2×2 image with one bright pixel: 2 axial pairs (ω = 1) + 1 diagonal (ω = 1/√2),
  // each (s·1)²/2: the neighbour structure counted by hand.
  const NeighbourPrior Q(make_potential(PotentialKind::Quadratic), 3.0, 2, 2);
  const std::vector<float> one = {1, 0, 0, 0};
  EXPECT_NEAR(Q.value(one.data()), 4.5 * (2 + M_SQRT1_2), 1e-12);
  // A constant image has no roughness, and a 1×1 grid no pairs.
  const std::vector<float> flat(35, 0.3f);
  EXPECT_EQ(NeighbourPrior(make_potential(PotentialKind::QGgmrf), 5.0, nx, ny).value(flat.data()), 0.0);
  EXPECT_EQ(NeighbourPrior(make_potential(PotentialKind::QGgmrf), 5.0, 1, 1).value(flat.data()), 0.0);
}

TEST(NeighbourPrior, GradientMatchesFiniteDifferences) {
  struct Case {
    EdgePotential p;
    double s, lo, hi;  // scale and the pixel range (differences ×s span both sides of δ)
  };
  const double ct_scale = 1000.0 / physics::kMuWater;  // µ in 1/mm, δ in HU: the node's setting
  const std::vector<Case> cases = {
      {make_potential(PotentialKind::QGgmrf, 10.0, 1.2), 0.7, 0.0, 60.0},
      {make_potential(PotentialKind::Huber, 10.0), 0.7, 0.0, 60.0},
      {make_potential(PotentialKind::Hyperbola, 10.0), 0.7, 0.0, 60.0},
      {make_potential(PotentialKind::QGgmrf, 10.0, 1.0), ct_scale, 0.0190, 0.0202},
      {make_potential(PotentialKind::Huber, 10.0), ct_scale, 0.0190, 0.0202},
  };
  const int nx = 7, ny = 5, n = nx * ny;
  for (const Case& c : cases) {
    const NeighbourPrior R(c.p, c.s, nx, ny);
    std::vector<float> x = random_pixels(n, 5, c.lo, c.hi), g(static_cast<std::size_t>(n));
    R.gradient(x.data(), g.data());
    double gmax = 0;
    for (float v : g) gmax = std::max(gmax, double(std::abs(v)));
    ASSERT_GT(gmax, 0.0);
    const double h = 2e-5 * (c.hi - c.lo);
    for (int k = 0; k < n; ++k) {
      const float x0 = x[std::size_t(k)];
      std::vector<float> xp = x, xm = x;
      xp[std::size_t(k)] = float(x0 + h), xm[std::size_t(k)] = float(x0 - h);
      // The step actually taken in float, so that only the O(h²) truncation remains.
      const double fd = (R.value(xp.data()) - R.value(xm.data())) / (double(xp[std::size_t(k)]) - double(xm[std::size_t(k)]));
      EXPECT_NEAR(g[std::size_t(k)], fd, 2e-5 * gmax) << label(c.p) << " s=" << c.s << " pixel " << k;
    }
  }
}

TEST(NeighbourPrior, CurvatureBoundIsTwiceScaleSquaredTimesNeighbourWeights) {
  for (const auto& [nx, ny] : std::vector<std::pair<int, int>>{{7, 5}, {1, 4}, {3, 1}, {2, 2}}) {
    const double s = 2.5;
    const NeighbourPrior R(make_potential(PotentialKind::Hyperbola), s, nx, ny);
    std::vector<float> d(static_cast<std::size_t>(nx * ny));
    R.curvature_bound(d.data());
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        double w = 0;
        for (const Nb& n : kEight)
          if (i + n.dx >= 0 && i + n.dx < nx && j + n.dy >= 0 && j + n.dy < ny) w += n.w;
        EXPECT_NEAR(d[std::size_t(j * nx + i)], 2 * s * s * w, 1e-6 * 2 * s * s * w + 1e-12)
            << nx << "×" << ny << " (" << i << "," << j << ")";
      }
  }
}

TEST(NeighbourPrior, CurvatureBoundMajorisesTheQuadraticHessian) {
  // SQS needs diag(d) ⪰ ∇²R for the quadratic potential (R = ½ s² Σ ω (x_j − x_k)²): check
  // xᵀ(diag(d) − H)x ≥ 0 along random directions, H applied as gradient differences (R is quadratic).
  const int nx = 6, ny = 5, n = nx * ny;
  const NeighbourPrior R(make_potential(PotentialKind::Quadratic), 1.3, nx, ny);
  std::vector<float> d(static_cast<std::size_t>(n)), hx(static_cast<std::size_t>(n));
  R.curvature_bound(d.data());
  for (unsigned seed = 0; seed < 20; ++seed) {
    const std::vector<float> x = random_pixels(n, 100 + seed, -1, 1);
    R.gradient(x.data(), hx.data());  // = H x
    double xhx = 0, xdx = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      xhx += double(x[i]) * hx[i];
      xdx += double(d[i]) * x[i] * x[i];
    }
    EXPECT_GE(xdx, xhx * (1 - 1e-6)) << seed;
    EXPECT_NEAR(xhx, 2 * R.value(x.data()), 1e-5 * xhx) << "xᵀHx = 2R(x) for a quadratic";
  }
}

TEST(NeighbourPrior, RefusesBadArguments) {
  EXPECT_THROW(NeighbourPrior(make_potential(PotentialKind::Huber, 0.0), 1.0, 4, 4), std::invalid_argument);
  EXPECT_THROW(NeighbourPrior(make_potential(PotentialKind::Huber), 0.0, 4, 4), std::invalid_argument);
  EXPECT_THROW(NeighbourPrior(make_potential(PotentialKind::Huber), INFINITY, 4, 4), std::invalid_argument);
  EXPECT_THROW(NeighbourPrior(make_potential(PotentialKind::Huber), 1.0, 0, 4), std::invalid_argument);
}

// ---- count weights -------------------------------------------------------------------------------

TEST(CtWeights, CountWeightsAreExpectedCountsOrTheirElectronicNoiseForm) {
  const physics::Space s = physics::centred_space(9, 7, 1, 1);
  Image b = s.allocate();
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0.0, 6.0);
  for (std::int64_t i = 0; i < b.size(); ++i) b.data<float>()[i] = float(u(rng));
  const double i0 = 2.5e4, var = 30.0 * 30.0;
  const Image w = ct_count_weights(b, i0), we = ct_count_weights(b, i0, var);
  const Image ws = ct_statistical_weights(b, i0, var);
  ASSERT_EQ(w.nx(), 9);
  ASSERT_EQ(w.ny(), 7);
  double mean = 0;
  for (std::int64_t i = 0; i < b.size(); ++i) {
    const double n = i0 * std::exp(-double(b.data<float>()[i]));
    EXPECT_NEAR(w.data<float>()[i], n, 1e-6 * n) << i;
    EXPECT_NEAR(we.data<float>()[i], n * n / (n + var), 1e-6 * n) << i;
    mean += ws.data<float>()[i] / double(b.size());
  }
  EXPECT_NEAR(mean, 1.0, 1e-6);
  // Normalised weights are proportional to the count weights: one ratio for every ray.
  const double ratio = ws.data<float>()[0] / we.data<float>()[0];
  for (std::int64_t i = 0; i < b.size(); ++i) EXPECT_NEAR(ws.data<float>()[i] / we.data<float>()[i], ratio, 1e-6 * ratio) << i;
}

TEST(CtWeights, NonFiniteLineIntegralsAndBadParametersAreRefused) {
  const physics::Space s = physics::centred_space(5, 4, 1, 1);
  for (const float bad : {NAN, INFINITY, -INFINITY}) {
    Image b = s.allocate();
    b.data<float>()[13] = bad;
    EXPECT_THROW(ct_count_weights(b, 1e4), std::invalid_argument) << bad;
    EXPECT_THROW(ct_statistical_weights(b, 1e4), std::invalid_argument) << bad;
    try {
      ct_count_weights(b, 1e4);
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("raster index 13"), std::string::npos) << e.what();
    }
  }
  const Image b = s.allocate();
  EXPECT_THROW(ct_count_weights(b, 0.0), std::invalid_argument);
  EXPECT_THROW(ct_count_weights(b, INFINITY), std::invalid_argument);
  EXPECT_THROW(ct_count_weights(b, 1e4, -1.0), std::invalid_argument);
  EXPECT_THROW(ct_count_weights(Image(), 1e4), std::invalid_argument);
}

// ---- view subsets ------------------------------------------------------------------------------

namespace {

ProjectionGeometry parallel(std::int64_t n, std::int64_t views) {
  ProjectionGeometry g;
  g.angles_deg = physics::angle_span(0, 180, views);
  g.image_nx = g.image_ny = n;
  g.pixel_dx = g.pixel_dy = 1.0;
  g.bin_spacing = physics::default_bin_spacing(g);
  g.bins = physics::default_bins(g);
  return g;
}

}  // namespace

TEST(SplitViews, SubsetsReassembleTheFullProjection) {
  const ProjectionGeometry g = parallel(12, 23);  // 23 views: no subset count divides it evenly
  const auto A = physics::make_projector(g);
  const Image x = physics::ptest::random_image(A->domain(), 4);
  const Image full = A->apply(x);
  const Image y = physics::ptest::random_image(A->range(), 5), w = physics::ptest::random_image(A->range(), 6);
  for (const int M : {1, 4, 5, 23}) {
    const std::vector<ViewSubset> parts = split_views(g, y, w, M);
    ASSERT_EQ(int(parts.size()), M);
    std::vector<int> seen(static_cast<std::size_t>(g.views()), 0);
    for (int m = 0; m < M; ++m) {
      const ViewSubset& p = parts[std::size_t(m)];
      EXPECT_EQ(p.A->domain(), A->domain());
      const Image pm = p.A->apply(x);
      ASSERT_EQ(pm.nx(), g.bins);
      ASSERT_EQ(pm.ny(), p.y.ny());
      ASSERT_EQ(p.w.ny(), p.y.ny());
      for (std::int64_t k = 0; k < pm.ny(); ++k) {
        const std::int64_t v = m + k * M;  // interleaved: views m, m + M, …
        ASSERT_LT(v, g.views());
        ++seen[std::size_t(v)];
        for (std::int64_t b = 0; b < g.bins; ++b) {
          ASSERT_FLOAT_EQ(pm.at<float>(b, k), full.at<float>(b, v)) << "M=" << M << " view " << v << " bin " << b;
          ASSERT_EQ(p.y.at<float>(b, k), y.at<float>(b, v));
          ASSERT_EQ(p.w.at<float>(b, k), w.at<float>(b, v));
        }
      }
    }
    for (std::int64_t v = 0; v < g.views(); ++v) EXPECT_EQ(seen[std::size_t(v)], 1) << "M=" << M << " view " << v;
  }
  // Subset counts outside [1, views] and weights of another shape are refused.
  EXPECT_THROW(split_views(g, y, w, 0), std::invalid_argument);
  EXPECT_THROW(split_views(g, y, w, 24), std::invalid_argument);
  EXPECT_THROW(split_views(g, y, Image::allocate2d(DType::F32, g.bins, 22), 2), std::invalid_argument);
}

TEST(SplitViews, SubsetOrderIsABitReversedPermutation) {
  EXPECT_EQ(subset_order(8), (std::vector<int>{0, 4, 2, 6, 1, 5, 3, 7}));
  EXPECT_EQ(subset_order(4), (std::vector<int>{0, 2, 1, 3}));
  EXPECT_EQ(subset_order(1), (std::vector<int>{0}));
  for (int M = 1; M <= 40; ++M) {
    std::vector<int> o = subset_order(M);
    ASSERT_EQ(int(o.size()), M);
    EXPECT_EQ(o[0], 0);
    if (M > 1) {  // the second subset is half a turn away: the top bit
      EXPECT_EQ(o[1], 1 << (int(std::ceil(std::log2(M))) - 1)) << "M=" << M;
    }
    std::sort(o.begin(), o.end());
    std::vector<int> id(static_cast<std::size_t>(M));
    std::iota(id.begin(), id.end(), 0);
    EXPECT_EQ(o, id) << "M=" << M;
  }
}

// ---- the solver against dense references ---------------------------------------------------------

namespace {

const double kHuScale = 1000.0 / physics::kMuWater;

// The projector as a dense matrix, one column per pixel (rows in sinogram raster order).
Eigen::MatrixXd dense(const physics::LinearOperator& A) {
  const std::int64_t n = A.domain().size(), m = A.range().size();
  Eigen::MatrixXd M(m, n);
  for (std::int64_t i = 0; i < n; ++i) {
    Image e = A.domain().allocate();
    e.data<float>()[i] = 1.f;
    const Image c = A.apply(e);
    for (std::int64_t r = 0; r < m; ++r) M(r, i) = c.data<float>()[r];
  }
  return M;
}

Eigen::VectorXd vec(const Image& im) {
  Eigen::VectorXd v(im.size());
  for (std::int64_t i = 0; i < im.size(); ++i) v[i] = im.data<float>()[i];
  return v;
}

Image image_of(const physics::Space& s, const Eigen::VectorXd& v) {
  Image im = s.allocate();
  for (std::int64_t i = 0; i < im.size(); ++i) im.data<float>()[i] = float(v[i]);
  return im;
}

// Σ over unordered 8-neighbour pairs of ω s² c_jk (e_j − e_k)(e_j − e_k)ᵀ: with c ≡ 1 the Hessian
// of the quadratic prior ½ Σ ω (s(x_j − x_k))²; with c = ψ'(t)/t at x, the matrix of R's tightest
// quadratic majoriser at x (IRLS).
Eigen::MatrixXd pair_matrix(int nx, int ny, double s, const EdgePotential* psi = nullptr, const Eigen::VectorXd* x = nullptr) {
  Eigen::MatrixXd H = Eigen::MatrixXd::Zero(nx * ny, nx * ny);
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i)
      for (const Nb& n : kEight) {
        const int a = i + n.dx, b = j + n.dy, p = j * nx + i, q = b * nx + a;
        if (a < 0 || a >= nx || b < 0 || b >= ny || q < p) continue;
        double c = n.w * s * s;
        if (psi) c *= psi->curvature(s * ((*x)[p] - (*x)[q]));
        H(p, p) += c, H(q, q) += c, H(p, q) -= c, H(q, p) -= c;
      }
  return H;
}

// A small parallel-beam problem: n×n pixels of 1 mm, views over 180°, Poisson data at a given I0.
struct Problem {
  ProjectionGeometry g;
  Image truth, y, w;
  Eigen::MatrixXd A;
  Eigen::VectorXd Y, W;
};

Image object(int n, double background) {
  Image im = physics::centred_space(n, n, 1, 1).allocate();
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const double x = i - 0.5 * (n - 1), y = j - 0.5 * (n - 1);
      double v = background;
      if (x * x + y * y < 0.16 * n * n) v += 0.02;                                    // water-like disc
      if (x > 0.05 * n && x < 0.3 * n && y > -0.25 * n && y < 0.05 * n) v += 0.015;   // a denser insert
      im.data<float>()[j * n + i] = float(v);
    }
  return im;
}

// −ln(N/I0) with N ~ Poisson(I0 e^{−p}) (floored at one count).
Image poisson_sinogram(const Image& p, double i0, unsigned seed) {
  Image y = Image::allocate2d(DType::F32, p.nx(), p.ny());
  y.geometry() = p.geometry();
  std::mt19937_64 rng(seed);
  for (std::int64_t i = 0; i < p.size(); ++i) {
    std::poisson_distribution<long> d(i0 * std::exp(-double(p.data<float>()[i])));
    y.data<float>()[i] = float(-std::log(std::max<double>(1.0, double(d(rng))) / i0));
  }
  return y;
}

Problem make_problem(int n, int views, double background, double i0, unsigned seed) {
  Problem P;
  P.g = parallel(n, views);
  const auto A = physics::make_projector(P.g);
  P.truth = object(n, background);
  P.y = poisson_sinogram(A->apply(P.truth), i0, seed);
  P.w = ct_count_weights(P.y, i0);
  P.A = dense(*A);
  P.Y = vec(P.y), P.W = vec(P.w);
  return P;
}

double rel_err(const Image& x, const Eigen::VectorXd& ref) { return (vec(x) - ref).norm() / ref.norm(); }

PwlsOptions options(int iterations, bool momentum, bool nonnegative) {
  PwlsOptions o;
  o.iterations = iterations, o.momentum = momentum, o.nonnegative = nonnegative;
  return o;
}

}  // namespace

// Quadratic prior and no prior: the normal equations (AᵀWA + βH)x = AᵀWy solved densely.
TEST(PwlsOsSqs, QuadraticPriorAndNoPriorSolveTheNormalEquations) {
  const Problem P = make_problem(12, 24, 0.004, 1e4, 1);
  const Eigen::MatrixXd AtW = P.A.transpose() * P.W.asDiagonal();
  const Eigen::MatrixXd H = pair_matrix(12, 12, kHuScale);
  const double beta = 1e-5;  // βH's diagonal ≈ AᵀWA's (≈ 2e5): the prior matters
  const Eigen::VectorXd x_prior = (AtW * P.A + beta * H).ldlt().solve(AtW * P.Y);
  const Eigen::VectorXd x_wls = (AtW * P.A).ldlt().solve(AtW * P.Y);
  ASSERT_GT((x_prior - x_wls).norm(), 0.1 * x_wls.norm()) << "β too small to test the prior";

  const NeighbourPrior R(make_potential(PotentialKind::Quadratic), kHuScale, 12, 12);
  const physics::Space space = P.g.image_space();
  const Image zero = space.allocate();
  const auto one = split_views(P.g, P.y, P.w, 1);

  // Φ itself against the dense matrices: at the truth (large misfit) and at the minimiser.
  for (const Eigen::VectorXd& x : {vec(P.truth), x_prior}) {
    const Eigen::VectorXd r = P.A * x - P.Y;
    const double phi = 0.5 * r.dot(P.W.asDiagonal() * r) + beta * 0.5 * x.dot(H * x);
    EXPECT_NEAR(pwls_objective(one, &R, beta, image_of(space, x)), phi, 1e-5 * phi);
    EXPECT_NEAR(pwls_objective(split_views(P.g, P.y, P.w, 5), &R, beta, image_of(space, x)), phi, 1e-5 * phi);
    EXPECT_NEAR(pwls_objective(one, nullptr, beta, image_of(space, x)), 0.5 * r.dot(P.W.asDiagonal() * r), 1e-5 * phi);
  }

  const PwlsResult a = pwls_os_sqs(one, &R, beta, zero, options(300, true, false));
  const PwlsResult b = pwls_os_sqs(one, nullptr, beta, zero, options(1500, true, false));
  const PwlsResult c = pwls_os_sqs(one, &R, beta, zero, options(2000, false, false));  // plain SQS
  const double ea = rel_err(a.x, x_prior), eb = rel_err(b.x, x_wls), ec = rel_err(c.x, x_prior);
  std::printf("1 subset: quadratic prior %.2e (300 it, momentum), no prior %.2e (1500 it), plain SQS %.2e (2000 it)\n", ea, eb, ec);
  // Measured 2.4e-7, 3.7e-5 (no prior: AᵀWA alone is worse conditioned) and 3.8e-7.
  EXPECT_LT(ea, 1e-5);
  EXPECT_LT(eb, 5e-4);
  EXPECT_LT(ec, 1e-5);
  EXPECT_EQ(a.history.size(), 300u);
  EXPECT_TRUE(std::isnan(a.history.back().objective)) << "record_objective is off";
}

TEST(PwlsOsSqs, OrderedSubsetsReachTheMinimisersNeighbourhoodAndOneSubsetFinishesIt) {
  const Problem P = make_problem(12, 24, 0.004, 1e4, 2);
  const Eigen::MatrixXd AtW = P.A.transpose() * P.W.asDiagonal();
  const double beta = 1e-5;
  const Eigen::VectorXd x_star = (AtW * P.A + beta * pair_matrix(12, 12, kHuScale)).ldlt().solve(AtW * P.Y);
  const NeighbourPrior R(make_potential(PotentialKind::Quadratic), kHuScale, 12, 12);
  const physics::Space space = P.g.image_space();

  // 4 subsets with momentum and restarts from zero, then one subset from that result.
  PwlsOptions o = options(60, true, false);
  o.record_objective = true;
  const PwlsResult os = pwls_os_sqs(split_views(P.g, P.y, P.w, 4), &R, beta, space.allocate(), o);
  const PwlsResult fin = pwls_os_sqs(split_views(P.g, P.y, P.w, 1), &R, beta, os.x, options(100, true, false));
  const double e_os = rel_err(os.x, x_star), e_fin = rel_err(fin.x, x_star);
  // What the bound on e_os must exclude: with the subset's data gradient not scaled by M, a cycle
  // balances AᵀW(Ax − y) against M·β∇R, i.e. β is effectively 4β.
  const Eigen::VectorXd x_wrong = (AtW * P.A + 4 * beta * pair_matrix(12, 12, kHuScale)).ldlt().solve(AtW * P.Y);
  std::printf("4 subsets: rel. error %.2e after 60 it (a missing ×M: %.2e), then 1 subset 100 it: %.2e\n", e_os,
              (x_wrong - x_star).norm() / x_star.norm(), e_fin);
  // Measured: 1.06e-2 after 5 iterations, 1.02e-2 from 40 on (OS's limit cycle); with the ×M
  // removed from os_sqs.cpp the same run gave 0.117 (x_wrong above is that far from x* too).
  EXPECT_LT(e_os, 3e-2);
  ASSERT_GT((x_wrong - x_star).norm() / x_star.norm(), 0.06);
  EXPECT_LT(e_fin, 1e-5);  // measured 2.4e-7
  // The recorded Φ is the dense objective at the returned image, and ends near the minimum.
  const Eigen::VectorXd r = P.A * vec(os.x) - P.Y, xs = vec(os.x);
  const double phi = 0.5 * r.dot(P.W.asDiagonal() * r) + beta * 0.5 * xs.dot(pair_matrix(12, 12, kHuScale) * xs);
  EXPECT_NEAR(os.history.back().objective, phi, 1e-5 * phi);
  EXPECT_LT(os.history.back().objective, os.history.front().objective);
}

// q-GGMRF: no closed form; the reference is an IRLS on the dense matrices (each step minimises
// the tightest quadratic majoriser, curvatures ψ'(t)/t, so it descends Φ monotonically to x*).
TEST(PwlsOsSqs, EdgePreservingPriorMatchesADenseIrls) {
  const Problem P = make_problem(12, 24, 0.004, 1e4, 3);
  const EdgePotential psi = make_potential(PotentialKind::QGgmrf, 10.0, 1.2);
  const double beta = 2e-5;
  const Eigen::MatrixXd AtW = P.A.transpose() * P.W.asDiagonal(), AtWA = AtW * P.A;
  const Eigen::VectorXd rhs = AtW * P.Y;
  Eigen::VectorXd x = AtWA.ldlt().solve(rhs);
  for (int k = 0; k < 300; ++k) x = (AtWA + beta * pair_matrix(12, 12, kHuScale, &psi, &x)).ldlt().solve(rhs);

  const NeighbourPrior R(psi, kHuScale, 12, 12);
  const physics::Space space = P.g.image_space();
  const auto parts = split_views(P.g, P.y, P.w, 1);
  // IRLS's fixed point is stationary: the gradient, taken here with the dense A and R's own
  // gradient, vanishes (relative to the data gradient at 0, AᵀWy).
  std::vector<float> gr(static_cast<std::size_t>(x.size()));
  R.gradient(image_of(space, x).data<float>(), gr.data());
  Eigen::VectorXd grad = AtWA * x - rhs;
  for (Eigen::Index i = 0; i < x.size(); ++i) grad[i] += beta * gr[std::size_t(i)];
  ASSERT_LT(grad.norm(), 1e-5 * rhs.norm()) << "the IRLS reference has not converged";

  const PwlsResult r = pwls_os_sqs(parts, &R, beta, physics::fbp({P.y, P.g}), options(400, true, false));
  const double e = rel_err(r.x, x);
  std::printf("q-GGMRF: OS-SQS (1 subset, 400 it) vs IRLS: rel. error %.2e; Φ %.9g vs %.9g\n", e,
              pwls_objective(parts, &R, beta, r.x), pwls_objective(parts, &R, beta, image_of(space, x)));
  EXPECT_LT(e, 3e-5);  // measured 1.7e-6
  EXPECT_LE(pwls_objective(parts, &R, beta, r.x), pwls_objective(parts, &R, beta, image_of(space, x)) * (1 + 1e-6));
}

// x ≥ 0 on an object with a zero background and strong noise: the reference is projected
// coordinate descent on the dense quadratic (exact for a box-constrained strictly convex QP).
TEST(PwlsOsSqs, NonnegativityHoldsAndMatchesTheConstrainedMinimiser) {
  const int n = 14;
  const Problem P = make_problem(n, 20, 0.0, 40.0, 4);  // I0 = 40 counts: very noisy
  const double beta = 1e-6;
  const Eigen::MatrixXd H = P.A.transpose() * P.W.asDiagonal() * P.A + beta * pair_matrix(n, n, kHuScale);
  const Eigen::VectorXd rhs = P.A.transpose() * P.W.asDiagonal() * P.Y;
  const Eigen::VectorXd x_free = H.ldlt().solve(rhs);
  ASSERT_LT(x_free.minCoeff(), -1e-3) << "the unconstrained minimiser must have negative pixels for this test to mean anything";
  Eigen::VectorXd x_cd = x_free.cwiseMax(0.0), g = H * x_cd - rhs;
  for (int sweep = 0; sweep < 4000; ++sweep)
    for (Eigen::Index j = 0; j < x_cd.size(); ++j) {
      const double v = std::max(0.0, x_cd[j] - g[j] / H(j, j));
      g += H.col(j) * (v - x_cd[j]);
      x_cd[j] = v;
    }
  // KKT at the reference: zero gradient where x > 0, non-negative gradient where x = 0.
  g = H * x_cd - rhs;
  int active = 0;
  for (Eigen::Index j = 0; j < x_cd.size(); ++j) {
    if (x_cd[j] > 0) {
      ASSERT_LT(std::abs(g[j]), 1e-8 * rhs.norm()) << j;
    } else {
      ASSERT_GT(g[j], -1e-8 * rhs.norm()) << j;
      ++active;
    }
  }
  ASSERT_GT(active, 5);

  const NeighbourPrior R(make_potential(PotentialKind::Quadratic), kHuScale, n, n);
  const auto parts = split_views(P.g, P.y, P.w, 1);
  const Image start = physics::fbp({P.y, P.g});
  const PwlsResult r = pwls_os_sqs(parts, &R, beta, start, options(1500, true, true));
  float lo = 0;
  for (std::int64_t i = 0; i < r.x.size(); ++i) lo = std::min(lo, r.x.data<float>()[i]);
  EXPECT_GE(lo, 0.f);
  const double e = rel_err(r.x, x_cd);
  const double phi_start = pwls_objective(parts, &R, beta, start), phi = pwls_objective(parts, &R, beta, r.x);
  std::printf("x ≥ 0 (%d of %d pixels at 0): rel. error vs coordinate descent %.2e; Φ %.6g (FBP start %.6g, zeros %.6g)\n",
              active, n * n, e, phi, phi_start, pwls_objective(parts, &R, beta, P.g.image_space().allocate()));
  EXPECT_LT(e, 1e-5);  // measured 9.4e-8
  EXPECT_LT(phi, phi_start);
  EXPECT_LT(phi, pwls_objective(parts, &R, beta, P.g.image_space().allocate()));

  // With 5 subsets and no momentum the iterates stay non-negative too (the projection is per sub-iteration).
  const PwlsResult os = pwls_os_sqs(split_views(P.g, P.y, P.w, 5), &R, beta, start, options(20, false, true));
  for (std::int64_t i = 0; i < os.x.size(); ++i) ASSERT_GE(os.x.data<float>()[i], 0.f) << i;
}

TEST(PwlsOsSqs, PixelsNoRaySeesKeepTheirStartValue) {
  // A detector 6 bins wide, shifted by 5 mm: every ray misses the disc of radius ~2 mm at the centre.
  ProjectionGeometry g = parallel(12, 16);
  g.bins = 6;
  g.detector_offset = 5.0;
  const auto A = physics::make_projector(g);
  const Image y = A->apply(object(12, 0.004)), w = ct_count_weights(y, 1e4);
  Image ones = A->range().allocate();
  std::fill(ones.data<float>(), ones.data<float>() + ones.size(), 1.f);
  const Image cover = A->adjoint(ones);
  const Image start = physics::ptest::random_image(A->domain(), 9);
  const NeighbourPrior R(make_potential(PotentialKind::Huber), kHuScale, 12, 12);
  const PwlsResult r = pwls_os_sqs(split_views(g, y, w, 2), &R, 1e-6, start, options(10, true, false));
  int unseen = 0;
  for (std::int64_t i = 0; i < r.x.size(); ++i) {
    ASSERT_TRUE(std::isfinite(r.x.data<float>()[i])) << i;
    if (cover.data<float>()[i] == 0) {
      EXPECT_EQ(r.x.data<float>()[i], start.data<float>()[i]) << i;
      ++unseen;
    }
  }
  EXPECT_GT(unseen, 0);
}

TEST(PwlsOsSqs, RefusesBadArguments) {
  const ProjectionGeometry g = parallel(8, 6);
  const auto A = physics::make_projector(g);
  const Image y = A->range().allocate(), w = ct_count_weights(y, 1e3);
  const auto parts = split_views(g, y, w, 2);
  const Image x = A->domain().allocate();
  EXPECT_THROW(pwls_os_sqs(std::vector<ViewSubset>{}, nullptr, 0, x, {}), std::invalid_argument);
  EXPECT_THROW(pwls_os_sqs(std::vector<SubsetLevel>{}, nullptr, 0, x, {}), std::invalid_argument);
  EXPECT_THROW(pwls_os_sqs(parts, nullptr, -1, x, {}), std::invalid_argument);
  EXPECT_THROW(pwls_os_sqs(parts, nullptr, NAN, x, {}), std::invalid_argument);
  EXPECT_THROW(pwls_os_sqs(parts, nullptr, 0, Image::allocate2d(DType::F32, 8, 9), {}), std::invalid_argument);
}
