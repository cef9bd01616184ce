// BM3D: no reference implementation is available offline, so it is tested by quality against
// the other baselines on a real slice, and by invariants.
#include <gtest/gtest.h>

#include <mirflow/image.hpp>

#include "bm3d.hpp"
#include "gaussian_filter.hpp"
#include "nl_means.hpp"
#include "python_reference.hpp"
#include "slicewise.hpp"

using namespace mirflow;
using namespace mirflow::classic;
using namespace mirflow::classic::testing;

namespace {

// The best PSNR of Gaussian smoothing over a range of widths (an oracle-tuned baseline).
double best_gaussian_psnr(const Plane& clean, const Plane& noisy) {
  Image im = Image::allocate2d(DType::F64, noisy.nx, noisy.ny);
  for (std::int64_t y = 0; y < noisy.ny; ++y)
    for (std::int64_t x = 0; x < noisy.nx; ++x) im.at<double>(x, y) = noisy(x, y);
  double best = 0;
  for (double s : {0.5, 0.7, 1.0, 1.4, 2.0}) best = std::max(best, psnr(clean, read_plane(gaussian_filter(im, {s, s, 0}))));
  return best;
}

}  // namespace

TEST(ClassicBm3d, BeatsNlmAndGaussianOnARealSlice) {
  MIRFLOW_REQUIRE_PYTHON("nibabel");
  const Plane clean = ch2_crop(90, 30, 50, 112, 104);  // the whole slice's max is 171
  for (double fraction : {0.05, 0.10}) {
    const double sigma = fraction * 171.0;
    const Plane noisy = add_noise(clean, sigma, 51);
    const Plane b = bm3d(noisy, bm3d_defaults(sigma, 0));
    Bm3dOptions basic_only = bm3d_defaults(sigma, 0);
    basic_only.wiener_step = false;
    const Plane basic = bm3d(noisy, basic_only);
    NlmOptions o;  // skimage's recommended h = 0.8σ with the fast form
    o.h = 0.8 * sigma;
    o.sigma = sigma;
    const Plane n = nl_means(noisy, o);
    const double p_noisy = psnr(clean, noisy), p_bm3d = psnr(clean, b), p_basic = psnr(clean, basic),
                 p_nlm = psnr(clean, n), p_gauss = best_gaussian_psnr(clean, noisy);
    std::printf("[ measured ] ch2 z=90 crop 112x104, sigma %.0f%% (%.2f): PSNR noisy %.2f, best Gaussian %.2f, NLM %.2f, "
                "BM3D basic %.2f, BM3D %.2f dB\n",
                fraction * 100, sigma, p_noisy, p_gauss, p_nlm, p_basic, p_bm3d);
    EXPECT_GT(p_bm3d, p_nlm + 0.3);
    EXPECT_GT(p_bm3d, p_gauss + 1.0);
    EXPECT_GT(p_bm3d, p_basic);  // the Wiener step improves on the basic estimate
  }
}

TEST(ClassicBm3d, ConstantImageStaysConstant) {
  for (double range : {0.0, 100.0}) {
    const Plane c(37, 29, 300.0);
    Bm3dOptions o = bm3d_defaults(5.0, range);
    EXPECT_LT(max_abs_diff(bm3d(c, o), c), 1e-9);
  }
}

TEST(ClassicBm3d, NoiseFreeEdgesSurviveAndRunsAreDeterministic) {
  // A noise-free piecewise-constant image (a bright disc on a ramp-free background): with a small
  // σ the spectra of its patches are far above the thresholds, so BM3D must leave it nearly alone.
  Plane f(48, 40);
  for (std::int64_t y = 0; y < f.ny; ++y)
    for (std::int64_t x = 0; x < f.nx; ++x) f(x, y) = (x - 20) * (x - 20) + (y - 18) * (y - 18) < 120 ? 200.0 : 50.0;
  const Plane u = bm3d(f, bm3d_defaults(1.0, 0));
  EXPECT_LT(max_abs_diff(u, f), 3.0);  // σ = 1 on a 150 step
  const Plane noisy = add_noise(f, 10.0, 52);
  const Plane a = bm3d(noisy, bm3d_defaults(10.0, 0)), b = bm3d(noisy, bm3d_defaults(10.0, 0));
  EXPECT_EQ(a.v, b.v);
}

TEST(ClassicBm3d, ScalesWithTheImage) {
  // The slice is mapped to 0-255 and back: bm3d(α·f + β, α·σ) = α·bm3d(f, σ) + β.
  const Plane f = add_noise(Plane(40, 36, 80.0), 12.0, 53);
  Plane g = f;
  for (double& v : g.v) v = 0.01 * v - 3.0;
  const Plane uf = bm3d(f, bm3d_defaults(12.0, 0)), ug = bm3d(g, bm3d_defaults(0.12, 0));
  double err = 0;
  for (std::size_t i = 0; i < uf.v.size(); ++i) err = std::max(err, std::abs(0.01 * uf.v[i] - 3.0 - ug.v[i]));
  EXPECT_LT(err, 1e-9);
}

TEST(ClassicBm3d, TooSmallSliceIsAClearError) {
  try {
    bm3d(Plane(7, 20, 1.0), bm3d_defaults(1.0, 0));
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("at least 8x8"), std::string::npos) << e.what();
  }
}
