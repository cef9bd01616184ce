// Perona-Malik diffusion against a numpy reimplementation (np.pad edge + slicing, written
// independently of the C++ loops), and its invariants.
#include <gtest/gtest.h>

#include <stdexcept>

#include "perona_malik.hpp"
#include "python_reference.hpp"

using namespace mirflow::classic;
using namespace mirflow::classic::testing;

namespace {

double sum(const Plane& p) {
  double s = 0;
  for (double v : p.v) s += v;
  return s;
}

}  // namespace

TEST(ClassicDiffusion, MatchesNumpyReimplementation) {
  MIRFLOW_REQUIRE_PYTHON("nibabel");
  const Plane clean = ch2_crop(90, 30, 50, 70, 60);
  const Plane f = add_noise(clean, 8.5, 41);
  for (auto [kappa, steps, dt, g] : {std::tuple{17.0, 15, 0.2, Conductance::Exponential},
                                     std::tuple{10.0, 30, 0.25, Conductance::Rational}}) {
    const std::string snippet =
        "u = a.copy()\n"
        "k = " + std::to_string(kappa) + "\n"
        "c = (lambda d: np.exp(-(d / k) ** 2)) if " + (g == Conductance::Exponential ? "True" : "False") +
        " else (lambda d: 1.0 / (1.0 + (d / k) ** 2))\n"
        "for _ in range(" + std::to_string(steps) + "):\n"
        "    p = np.pad(u, 1, mode='edge')  # Neumann: the outside copies the border, no flux\n"
        "    dn = p[:-2, 1:-1] - u; ds = p[2:, 1:-1] - u; dw = p[1:-1, :-2] - u; de = p[1:-1, 2:] - u\n"
        "    u = u + " + std::to_string(dt) + " * (c(np.abs(dn)) * dn + c(np.abs(ds)) * ds + c(np.abs(dw)) * dw + c(np.abs(de)) * de)\n"
        "r = u";
    const Plane ref = python_apply(f, snippet);
    const Plane ours = perona_malik(f, kappa, steps, dt, g);
    const double err = max_abs_diff(ours, ref);
    std::printf("[ measured ] perona-malik kappa %g steps %d: max |ours - numpy| = %.3g; PSNR %.2f -> %.2f dB\n", kappa,
                steps, err, psnr(clean, f), psnr(clean, ours));
    EXPECT_LT(err, 1e-9);
    if (g == Conductance::Exponential) {  // (30 rational steps at κ = 10 oversmooth)
      EXPECT_GT(psnr(clean, ours), psnr(clean, f) + 1.0);
    }
  }
}

TEST(ClassicDiffusion, ConservesMassWithNeumannBorders) {
  const Plane f = add_noise(Plane(41, 23, 100.0), 20.0, 42);
  for (Conductance g : {Conductance::Exponential, Conductance::Rational}) {
    const Plane u = perona_malik(f, 15.0, 50, 0.25, g);
    EXPECT_NEAR(sum(u), sum(f), 1e-9 * sum(f));
    EXPECT_GT(max_abs_diff(u, f), 1.0);  // and it did diffuse
  }
}

TEST(ClassicDiffusion, ConstantStaysAndBadStepThrows) {
  const Plane c(10, 12, 3.0);
  EXPECT_EQ(max_abs_diff(perona_malik(c, 1.0, 20, 0.2, Conductance::Exponential), c), 0.0);
  const Plane f = add_noise(c, 1.0, 43);
  EXPECT_EQ(max_abs_diff(perona_malik(f, 0.0, 20, 0.2, Conductance::Exponential), f), 0.0);  // κ = 0: g = 0
  EXPECT_THROW(perona_malik(f, 1.0, 1, 0.3, Conductance::Exponential), std::invalid_argument);
}
