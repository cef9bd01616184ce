// The priors through the problem builder, each ADMM solution against a reference computed by a
// different method: the closed-form x-step against PCG, quadratic priors against a dense Eigen
// solve, wavelet-L1 against soft thresholding, TV and TGV denoising against long runs of
// Chambolle–Pock written here with their own difference loops.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <random>

#include "mirflow_ir/admm.hpp"
#include "mirflow_ir/gradient.hpp"
#include "mirflow_ir/planes.hpp"
#include "mirflow_ir/priors.hpp"
#include "mirflow_ir/reconstruct.hpp"
#include "mirflow_ir/wavelet.hpp"
#include "physics_test_util.hpp"

using namespace mirflow;
using namespace mirflow::ir;
using physics::Space;
using physics::ptest::random_image;

namespace {

Image positive(const Space& s, unsigned seed, double lo, double hi) {
  Image im = s.allocate();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  for (std::int64_t i = 0; i < im.size(); ++i) im.data<float>()[i] = float(u(rng));
  return im;
}

// A piecewise-constant image plus a ramp (TGV's case) and seeded Gaussian noise.
Image noisy_blocks(const Space& s, double ramp, double sigma, unsigned seed) {
  Image im = s.allocate();
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0, sigma);
  for (std::int64_t j = 0; j < s.ny; ++j)
    for (std::int64_t i = 0; i < s.nx; ++i) {
      double v = 0.2 + ramp * double(i) / double(s.nx);
      if (i >= 3 && i < 10 && j >= 4 && j < 12) v += 0.8;
      if (std::hypot(i - 14.0, j - 13.0) < 4) v += 0.4;
      im.data<float>()[j * s.nx + i] = float(v + g(rng));
    }
  return im;
}

double max_abs_diff(const Image& a, const std::vector<double>& b) {
  double m = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double(a.data<float>()[i]) - b[std::size_t(i)]));
  return m;
}

AdmmOptions tight(int iterations) {
  AdmmOptions o;
  o.max_iterations = iterations;
  o.abs_tol = 1e-8, o.rel_tol = 1e-8;
  o.cg_rel_tol = 1e-9, o.cg_max_iterations = 500;
  o.record_objective = false;
  return o;
}

ReconstructionSpec denoising(const Image& b, std::shared_ptr<const Regulariser> prior, double beta) {
  ReconstructionSpec s;
  s.A = std::make_shared<physics::IdentityOperator>(physics::centred_space(b.nx(), b.ny(), 1.0, 1.0));
  s.b = b;
  s.priors.push_back({std::move(prior), beta});
  s.scale_data = false;
  return s;
}

// Forward differences with Neumann boundary (spacing 1) and their transposes, written out.
struct Diff {
  std::int64_t nx, ny;
  double dx(const std::vector<double>& a, std::int64_t i, std::int64_t j) const {
    return i < nx - 1 ? a[j * nx + i + 1] - a[j * nx + i] : 0.0;
  }
  double dy(const std::vector<double>& a, std::int64_t i, std::int64_t j) const {
    return j < ny - 1 ? a[(j + 1) * nx + i] - a[j * nx + i] : 0.0;
  }
  double dxT(const std::vector<double>& g, std::int64_t i, std::int64_t j) const {
    return (i > 0 ? g[j * nx + i - 1] : 0.0) - (i < nx - 1 ? g[j * nx + i] : 0.0);
  }
  double dyT(const std::vector<double>& g, std::int64_t i, std::int64_t j) const {
    return (j > 0 ? g[(j - 1) * nx + i] : 0.0) - (j < ny - 1 ? g[j * nx + i] : 0.0);
  }
};

// ROF  min ½‖x − b‖² + β Σ|∇x|  by accelerated Chambolle–Pock (Algorithm 2, strong convexity 1).
// delta > 0: β Σ h_δ(|∇x|) (Huber) instead; its conjugate (δ/2β)|p|² + ι{|p| ≤ β} makes the dual
// step a shrink by 1/(1 + σδ/β) followed by the same projection.
std::vector<double> rof_reference(const Image& b, double beta, int iterations, double delta = 0.0) {
  const Diff D{b.nx(), b.ny()};
  const std::size_t n = std::size_t(b.size());
  std::vector<double> x(n), xb(n), f(n), px(n, 0), py(n, 0);
  for (std::size_t p = 0; p < n; ++p) x[p] = xb[p] = f[p] = b.data<float>()[p];
  double tau = 0.25, sigma = 0.5;
  for (int it = 0; it < iterations; ++it) {
    for (std::int64_t j = 0; j < D.ny; ++j)
      for (std::int64_t i = 0; i < D.nx; ++i) {
        const std::size_t p = std::size_t(j * D.nx + i);
        const double shrink = 1.0 / (1.0 + sigma * delta / beta);
        const double a = (px[p] + sigma * D.dx(xb, i, j)) * shrink, c = (py[p] + sigma * D.dy(xb, i, j)) * shrink;
        const double r = std::hypot(a, c);
        const double k = r > beta ? beta / r : 1.0;
        px[p] = a * k, py[p] = c * k;
      }
    const double theta = 1.0 / std::sqrt(1.0 + 2.0 * tau);
    for (std::int64_t j = 0; j < D.ny; ++j)
      for (std::int64_t i = 0; i < D.nx; ++i) {
        const std::size_t p = std::size_t(j * D.nx + i);
        const double xn = (x[p] - tau * (D.dxT(px, i, j) + D.dyT(py, i, j)) + tau * f[p]) / (1 + tau);
        xb[p] = xn + theta * (xn - x[p]);
        x[p] = xn;
      }
    tau *= theta, sigma /= theta;
  }
  return x;
}

// TGV denoising  min_{x,w} ½‖x − b‖² + β(α1 Σ|∇x − w| + α0 Σ|Ew|_F)  by Chambolle–Pock
// (Bredies' primal-dual form), with E = (∂x w1, ∂y w2, ½(∂y w1 + ∂x w2)) and the Frobenius norm
// counting the off-diagonal twice: the textbook symmetric tensor, not the library's √2 layout.
std::vector<double> tgv_reference(const Image& b, double beta, double alpha0, double alpha1, int iterations) {
  const Diff D{b.nx(), b.ny()};
  const std::size_t n = std::size_t(b.size());
  std::vector<double> x(n), f(n), w1(n, 0), w2(n, 0), xb, w1b(n, 0), w2b(n, 0);
  std::vector<double> p1(n, 0), p2(n, 0), q1(n, 0), q2(n, 0), q3(n, 0);
  for (std::size_t p = 0; p < n; ++p) x[p] = f[p] = b.data<float>()[p];
  xb = x;
  const double tau = 0.2, sigma = 0.2;  // τσ‖K‖² < 1 with ‖K‖² ≤ 17
  const double r1 = beta * alpha1, r0 = beta * alpha0;
  for (int it = 0; it < iterations; ++it) {
    for (std::int64_t j = 0; j < D.ny; ++j)
      for (std::int64_t i = 0; i < D.nx; ++i) {
        const std::size_t p = std::size_t(j * D.nx + i);
        double a = p1[p] + sigma * (D.dx(xb, i, j) - w1b[p]), c = p2[p] + sigma * (D.dy(xb, i, j) - w2b[p]);
        double r = std::hypot(a, c), k = r > r1 ? r1 / r : 1.0;
        p1[p] = a * k, p2[p] = c * k;
        const double e1 = q1[p] + sigma * D.dx(w1b, i, j), e2 = q2[p] + sigma * D.dy(w2b, i, j);
        const double e3 = q3[p] + sigma * 0.5 * (D.dy(w1b, i, j) + D.dx(w2b, i, j));
        r = std::sqrt(e1 * e1 + e2 * e2 + 2 * e3 * e3), k = r > r0 ? r0 / r : 1.0;
        q1[p] = e1 * k, q2[p] = e2 * k, q3[p] = e3 * k;
      }
    for (std::int64_t j = 0; j < D.ny; ++j)
      for (std::int64_t i = 0; i < D.nx; ++i) {
        const std::size_t p = std::size_t(j * D.nx + i);
        const double xn = (x[p] - tau * (D.dxT(p1, i, j) + D.dyT(p2, i, j)) + tau * f[p]) / (1 + tau);
        // Kᴴ on w: −p + Eᴴq, with Eᴴ of the ½-weighted off-diagonal counted twice (inner
        // product of symmetric tensors): (∂xᴴq1 + ∂yᴴq3, ∂yᴴq2 + ∂xᴴq3).
        const double g1 = -p1[p] + D.dxT(q1, i, j) + D.dyT(q3, i, j);
        const double g2 = -p2[p] + D.dyT(q2, i, j) + D.dxT(q3, i, j);
        const double w1n = w1[p] - tau * g1, w2n = w2[p] - tau * g2;
        xb[p] = 2 * xn - x[p], w1b[p] = 2 * w1n - w1[p], w2b[p] = 2 * w2n - w2[p];
        x[p] = xn, w1[p] = w1n, w2[p] = w2n;
      }
  }
  return x;
}

}  // namespace

TEST(IrPriors, ClosedFormXStepMatchesPcg) {
  // Identity A with non-uniform W, γ, wavelet-L1 and L1: every normal is diagonal.
  const Space im = physics::centred_space(16, 12, 1.0, 1.0);
  AdmmProblem P;
  P.A = std::make_shared<physics::IdentityOperator>(im);
  P.b = random_image(im, 1);
  P.W = positive(im, 2, 0.2, 3.0);
  P.gamma = 0.3;
  P.x_prior = random_image(im, 3);
  P.terms.push_back({std::make_shared<Daubechies4Wavelet>(im, 2), std::make_shared<L1Prior>(), 0.2});
  P.terms.push_back({nullptr, std::make_shared<L1Prior>(), 0.05});
  for (int iterations : {1, 4}) {
    AdmmOptions fast = tight(iterations), slow = tight(iterations);
    slow.closed_form = false;
    slow.cg_rel_tol = 1e-12, slow.cg_max_iterations = 1000;
    const AdmmResult a = admm(P, fast), b = admm(P, slow);
    EXPECT_TRUE(a.closed_form);
    EXPECT_FALSE(b.closed_form);
    EXPECT_EQ(a.cg_iterations, 0);
    EXPECT_GT(b.cg_iterations, 0);
    double m = 0;
    for (std::int64_t i = 0; i < a.x.size(); ++i) m = std::max(m, double(std::abs(a.x.data<float>()[i] - b.x.data<float>()[i])));
    EXPECT_LT(m, 1e-5) << iterations << " iterations";
  }
  // A gradient term makes the normal non-diagonal: PCG is used.
  P.terms.push_back({std::make_shared<GradientOperator>(im), std::make_shared<GroupL1Prior>(), 0.1});
  EXPECT_FALSE(admm(P, tight(1)).closed_form);
}

TEST(IrPriors, QuadraticPriorsMatchDenseSolve) {
  // ½‖x − b‖²_W + (γ/2)‖x − x_prior‖² + (β/2) Σ m_p‖∇x − η∇g‖²_p on 11×9, spacing (1, 1.5):
  // x = (W + γI + β Gᵀ M G)⁻¹ (W b + γ x_prior + β η Gᵀ M G g) with G the dense gradient.
  const std::int64_t nx = 11, ny = 9, n = nx * ny;
  const double dx = 1.0, dy = 1.5, gamma = 0.4, beta = 0.6, eta = 0.8;
  const Space im = physics::centred_space(nx, ny, dx, dy);
  ReconstructionSpec s;
  s.A = std::make_shared<physics::IdentityOperator>(im);
  s.b = random_image(im, 4);
  s.W = positive(im, 5, 0.5, 2.0);
  s.gamma = gamma;
  s.x_prior = random_image(im, 6);
  s.guide = random_image(im, 7);
  s.beta_map = positive(im, 8, 0.5, 1.5);
  s.priors.push_back({std::make_shared<AnatomicalRegulariser>(eta), beta});
  s.scale_data = false;
  s.admm = tight(5);
  s.admm.cg_rel_tol = 1e-12, s.admm.cg_max_iterations = 2000;
  const ReconstructionResult r = reconstruct(s);

  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(2 * n, n);
  for (std::int64_t j = 0; j < ny; ++j)
    for (std::int64_t i = 0; i < nx; ++i) {
      const std::int64_t p = j * nx + i;
      if (i < nx - 1) G(p, p + 1) += 1 / dx, G(p, p) -= 1 / dx;
      if (j < ny - 1) G(n + p, p + nx) += 1 / dy, G(n + p, p) -= 1 / dy;
    }
  Eigen::VectorXd m(2 * n), b(n), w(n), xp(n), g(n);
  for (std::int64_t p = 0; p < n; ++p) {
    m(p) = m(n + p) = s.beta_map.data<float>()[p];
    b(p) = s.b.data<float>()[p], w(p) = s.W.data<float>()[p], xp(p) = s.x_prior.data<float>()[p], g(p) = s.guide.data<float>()[p];
  }
  const Eigen::MatrixXd M = Eigen::MatrixXd(w.asDiagonal()) + gamma * Eigen::MatrixXd::Identity(n, n) +
                            beta * G.transpose() * m.asDiagonal() * G;
  const Eigen::VectorXd rhs = w.cwiseProduct(b) + gamma * xp + beta * eta * G.transpose() * m.asDiagonal() * G * g;
  const Eigen::VectorXd x = M.ldlt().solve(rhs);
  double err = 0;
  for (std::int64_t p = 0; p < n; ++p) err = std::max(err, std::abs(double(r.x.data<float>()[p]) - x(p)));
  std::printf("quadratic priors: max |ADMM − dense| = %.2e (%d CG steps)\n", err, r.stats.cg_iterations);
  EXPECT_LT(err, 1e-4);
}

TEST(IrPriors, WaveletL1MatchesSoftThreshold) {
  // With A = I and an orthonormal (square) Ψ: x* = Ψᴴ soft(Ψ b, β) on the detail coefficients.
  const Space im = physics::centred_space(32, 24, 1.0, 1.0);
  const Image b = random_image(im, 9);
  const double beta = 0.15;
  const int levels = 3;
  ReconstructionSpec s = denoising(b, std::make_shared<WaveletRegulariser>(levels), beta);
  s.admm = tight(2000);
  const ReconstructionResult r = reconstruct(s);
  EXPECT_TRUE(r.stats.closed_form);

  Daubechies4Wavelet Psi(im, levels);
  Image c = Psi.apply(b);
  for (std::int64_t j = 0; j < im.ny; ++j)
    for (std::int64_t i = 0; i < im.nx; ++i) {
      if (i < (im.nx >> levels) && j < (im.ny >> levels)) continue;  // coarse band kept
      float& v = c.data<float>()[j * im.nx + i];
      v = float(std::copysign(std::max(std::abs(double(v)) - beta, 0.0), double(v)));
    }
  const Image ref = Psi.adjoint(c);
  std::vector<double> refd(ref.data<float>(), ref.data<float>() + ref.size());
  const double err = max_abs_diff(r.x, refd);
  std::printf("wavelet-L1: max |ADMM − soft threshold| = %.2e after %d iterations (%s)\n", err, r.stats.iterations,
              admm_stop_name(r.stats.stop));
  EXPECT_LT(err, 1e-4);

  // A uniform β map of 2 is the same as twice β.
  ReconstructionSpec s2 = denoising(b, std::make_shared<WaveletRegulariser>(levels), beta / 2);
  s2.admm = tight(2000);
  s2.beta_map = im.allocate();
  vec::fill(s2.beta_map, 2.0);
  std::vector<double> r1(r.x.data<float>(), r.x.data<float>() + r.x.size());
  EXPECT_LT(max_abs_diff(reconstruct(s2).x, r1), 1e-5);
}

TEST(IrPriors, TvDenoisingMatchesChambollePock) {
  const Space im = physics::centred_space(20, 18, 1.0, 1.0);
  const Image b = noisy_blocks(im, 0.0, 0.1, 10);
  const double beta = 0.12;
  ReconstructionSpec s = denoising(b, std::make_shared<TvRegulariser>(), beta);
  s.admm = tight(3000);
  s.admm.rho = 2.0;
  const ReconstructionResult r = reconstruct(s);
  const std::vector<double> ref = rof_reference(b, beta, 20000);
  const double err = max_abs_diff(r.x, ref);
  std::printf("TV: max |ADMM − Chambolle–Pock| = %.2e after %d iterations, %d CG steps (%s)\n", err, r.stats.iterations,
              r.stats.cg_iterations, admm_stop_name(r.stats.stop));
  EXPECT_LT(err, 1e-4);
}

TEST(IrPriors, HuberDenoisingMatchesChambollePock) {
  const Space im = physics::centred_space(20, 18, 1.0, 1.0);
  const Image b = noisy_blocks(im, 0.0, 0.1, 12);
  const double beta = 0.12, delta = 0.05;
  ReconstructionSpec s = denoising(b, std::make_shared<HuberRegulariser>(delta), beta);
  s.admm = tight(3000);
  s.admm.rho = 2.0;
  const ReconstructionResult r = reconstruct(s);
  const std::vector<double> ref = rof_reference(b, beta, 20000, delta);
  const double err = max_abs_diff(r.x, ref);
  std::printf("Huber: max |ADMM − Chambolle–Pock| = %.2e after %d iterations (%s)\n", err, r.stats.iterations,
              admm_stop_name(r.stats.stop));
  EXPECT_LT(err, 1e-4);
  EXPECT_GT(max_abs_diff(r.x, rof_reference(b, beta, 20000)), 1e-3);  // not TV
}

TEST(IrPriors, TgvDenoisingMatchesChambollePock) {
  const Space im = physics::centred_space(18, 16, 1.0, 1.0);
  const Image b = noisy_blocks(im, 0.6, 0.08, 11);
  const double beta = 0.1, alpha0 = 2.0, alpha1 = 1.0;
  ReconstructionSpec s = denoising(b, std::make_shared<TgvRegulariser>(alpha0, alpha1), beta);
  s.admm = tight(4000);
  s.admm.rho = 2.0;
  const ReconstructionResult r = reconstruct(s);
  const std::vector<double> ref = tgv_reference(b, beta, alpha0, alpha1, 100000);
  const double err = max_abs_diff(r.x, ref);
  std::printf("TGV: max |ADMM − Chambolle–Pock| = %.2e after %d iterations, %d CG steps (%s)\n", err, r.stats.iterations,
              r.stats.cg_iterations, admm_stop_name(r.stats.stop));
  EXPECT_LT(err, 1e-4);
  // TGV differs from TV on this ramp (a real second-order effect, not TV in disguise).
  const std::vector<double> tv = rof_reference(b, beta * alpha1, 20000);
  EXPECT_GT(max_abs_diff(r.x, tv), 1e-2);
}

TEST(IrPriors, NonNegativityAloneIsAProjection) {
  const Space im = physics::centred_space(9, 7, 1.0, 1.0);
  ReconstructionSpec s;
  s.A = std::make_shared<physics::IdentityOperator>(im);
  s.b = random_image(im, 13);
  s.nonnegative = true;
  s.scale_data = false;
  s.admm = tight(500);
  const ReconstructionResult r = reconstruct(s);
  for (std::int64_t i = 0; i < s.b.size(); ++i) EXPECT_NEAR(r.x.data<float>()[i], std::max(s.b.data<float>()[i], 0.f), 1e-5);
}
