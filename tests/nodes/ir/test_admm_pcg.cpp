// libmirflow_ir: preconditioned conjugate gradient against a dense Eigen solve.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <random>

#include "mirflow_ir/pcg.hpp"

using namespace mirflow;
using namespace mirflow::ir;

namespace {
struct System {
  Eigen::MatrixXd M;
  Eigen::VectorXd b;
};
System random_spd(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g;
  Eigen::MatrixXd B(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) B(i, j) = g(rng);
  System s;
  s.M = B.transpose() * B / n + 0.1 * Eigen::MatrixXd::Identity(n, n);
  for (int i = 0; i < n; ++i) s.M(i, i) += 0.5 * i;  // varied diagonal: Jacobi helps
  s.b.resize(n);
  for (int i = 0; i < n; ++i) s.b(i) = g(rng);
  return s;
}
Image to_image(const Eigen::VectorXd& v) {
  Image im = Image::allocate2d(DType::F32, v.size(), 1);
  for (int i = 0; i < v.size(); ++i) im.data<float>()[i] = float(v(i));
  return im;
}
Eigen::VectorXd to_vec(const Image& im) {
  Eigen::VectorXd v(im.size());
  for (int i = 0; i < v.size(); ++i) v(i) = im.data<float>()[i];
  return v;
}
}  // namespace

TEST(IrPcg, MatchesDenseSolveWithAndWithoutJacobi) {
  const int n = 60;
  const System s = random_spd(n, 5);
  const Eigen::VectorXd ref = s.M.ldlt().solve(s.b);
  const ApplyFn M = [&](const Image& in, const Image& out) {
    const Eigen::VectorXd y = s.M * to_vec(in);
    for (int i = 0; i < n; ++i) out.data<float>()[i] = float(y(i));
  };
  const Image b = to_image(s.b);
  PcgOptions o;
  o.rel_tol = 1e-6;
  o.max_iterations = 500;
  Image x = Image::allocate2d(DType::F32, n, 1);
  const PcgResult plain = pcg(M, b, x, o);
  const double e_plain = (to_vec(x) - ref).norm() / ref.norm();
  o.inv_diagonal = Image::allocate2d(DType::F32, n, 1);
  for (int i = 0; i < n; ++i) o.inv_diagonal.data<float>()[i] = float(1.0 / s.M(i, i));
  Image xj = Image::allocate2d(DType::F32, n, 1);
  const PcgResult jac = pcg(M, b, xj, o);
  const double e_jac = (to_vec(xj) - ref).norm() / ref.norm();
  std::printf("PCG n=%d cond=%.0f: plain %d it (res %.1e, err %.1e), Jacobi %d it (res %.1e, err %.1e)\n", n,
              1.0 / s.M.ldlt().rcond(), plain.iterations, plain.residual, e_plain, jac.iterations, jac.residual, e_jac);
  EXPECT_TRUE(plain.converged);
  EXPECT_TRUE(jac.converged);
  EXPECT_LT(e_plain, 1e-4);
  EXPECT_LT(e_jac, 1e-4);
  EXPECT_LT(jac.iterations, plain.iterations);

  // Warm start from the solution: nothing left to do.
  const PcgResult warm = pcg(M, b, xj, o);
  EXPECT_LE(warm.iterations, 2);
  // max_iterations caps and reports non-convergence.
  o.max_iterations = 3;
  Image xc = Image::allocate2d(DType::F32, n, 1);
  const PcgResult capped = pcg(M, b, xc, o);
  EXPECT_EQ(capped.iterations, 3);
  EXPECT_FALSE(capped.converged);
  EXPECT_GT(capped.residual, 1e-6);
}
