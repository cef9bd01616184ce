// Chambolle TV against skimage.restoration.denoise_tv_chambolle on a real image.
#include <gtest/gtest.h>

#include "python_reference.hpp"
#include "tv_chambolle.hpp"

using namespace mirflow::classic;
using namespace mirflow::classic::testing;

TEST(ClassicTv, MatchesSkimageChambolle) {
  MIRFLOW_REQUIRE_PYTHON("skimage.restoration");
  const Plane clean = ch2_crop(90, 30, 50, 96, 80);
  const Plane f = add_noise(clean, 8.5, 21);
  // (weight, eps, max_iter): converged by eps, stopped by max_iter, and a strong weight
  const std::vector<std::tuple<double, double, int>> cases{{7.0, 2e-4, 200}, {7.0, 1e-9, 25}, {30.0, 1e-3, 300}};
  std::vector<std::string> snippets;
  for (auto [weight, eps, iters] : cases)
    snippets.push_back("from skimage.restoration import denoise_tv_chambolle\n"
                       "r = denoise_tv_chambolle(a, weight=" + num(weight) + ", eps=" + num(eps) +
                       ", max_num_iter=" + std::to_string(iters) + ")");
  const std::vector<Plane> refs = python_apply_many(f, snippets);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto [weight, eps, iters] = cases[i];
    const Plane ours = tv_chambolle(f, weight, eps, iters);
    const double err = max_abs_diff(ours, refs[i]);
    std::printf("[ measured ] tv weight %g eps %g iters %d: max |ours - skimage| = %.3g; PSNR %.2f -> %.2f dB\n", weight,
                eps, iters, err, psnr(clean, f), psnr(clean, ours));
    EXPECT_LT(err, 1e-4);
    EXPECT_GT(psnr(clean, ours), psnr(clean, f));
  }
}

TEST(ClassicTv, ConstantImageAndZeroWeight) {
  Plane c(20, 15, 42.0);
  EXPECT_LT(max_abs_diff(tv_chambolle(c, 5.0), c), 1e-12);
  Plane f = add_noise(c, 3.0, 1);
  EXPECT_EQ(max_abs_diff(tv_chambolle(f, 0.0), f), 0.0);
}

TEST(ClassicTv, PreservesTheMean) {
  // Chambolle's output is f + div p with p = 0 on the last row/column: div p sums to zero.
  const Plane f = add_noise(Plane(33, 21, 10.0), 4.0, 2);
  const Plane u = tv_chambolle(f, 6.0, 1e-6, 100);
  double sf = 0, su = 0;
  for (std::size_t i = 0; i < f.v.size(); ++i) {
    sf += f.v[i];
    su += u.v[i];
  }
  EXPECT_NEAR(su, sf, 1e-8 * std::abs(sf));
}
