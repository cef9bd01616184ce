// Non-local means against skimage.restoration.denoise_nl_means (pixelwise and fast forms).
#include <gtest/gtest.h>

#include "nl_means.hpp"
#include "python_reference.hpp"

using namespace mirflow::classic;
using namespace mirflow::classic::testing;

TEST(ClassicNlm, SchraudolphExpMatchesSkimageFastExp) {
  MIRFLOW_REQUIRE_PYTHON("skimage._shared.fast_exp");
  Plane y(6, 1);
  y.v = {0.0, -0.25, -1.0, -2.5, -4.0, -4.999};
  const Plane ref = python_apply(y, "from skimage._shared.fast_exp import fast_exp\n"
                                    "r = np.array([[fast_exp(float(v)) for v in a[0]]])");
  for (std::size_t i = 0; i < y.v.size(); ++i) {
    EXPECT_NEAR(schraudolph_exp(y.v[i]), ref.v[i], 1e-6) << y.v[i];
    EXPECT_NEAR(schraudolph_exp(y.v[i]), std::exp(y.v[i]), 0.04 * std::exp(y.v[i]));  // a few per cent off exp
  }
}

// With skimage's own exp approximation the two agree to ~1e-7 of the range (the last digits
// differ: skimage's compiled fast_exp rounds its argument slightly differently).
TEST(ClassicNlm, MatchesSkimageWithItsExp) {
  MIRFLOW_REQUIRE_PYTHON("skimage.restoration");
  const Plane clean = ch2_crop(90, 50, 60, 44, 38);
  const double sigma = 8.5;
  const Plane f = add_noise(clean, sigma, 31);
  std::vector<NlmOptions> cases;
  std::vector<std::string> args, snippets;
  for (bool fast : {true, false})
    for (auto [patch, dist, h_sig, sig] : {std::tuple{7, 11, 0.8, sigma}, std::tuple{5, 6, 1.2, 0.0}, std::tuple{4, 3, 0.6, sigma}}) {
      NlmOptions o;
      o.patch_size = patch;
      o.patch_distance = dist;
      o.h = h_sig * sigma;
      o.sigma = sig;
      o.fast = fast;
      o.exp = schraudolph_exp;
      cases.push_back(o);
      args.push_back("patch_size=" + std::to_string(patch) + ", patch_distance=" + std::to_string(dist) +
                     ", h=" + num(o.h) + ", sigma=" + num(sig) +
                     ", fast_mode=" + (fast ? "True" : "False"));
      snippets.push_back("from skimage.restoration import denoise_nl_means\nr = denoise_nl_means(a, " + args.back() + ")");
    }
  const std::vector<Plane> refs = python_apply_many(f, snippets);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Plane ours = nl_means(f, cases[i]);
    const double err = max_abs_diff(ours, refs[i]);
    std::printf("[ measured ] nlm %s: max |ours - skimage| = %.3g; PSNR %.2f -> %.2f dB\n", args[i].c_str(), err,
                psnr(clean, f), psnr(clean, ours));
    EXPECT_LT(err, 2e-5) << args[i];  // values up to ~170: 1e-7 relative
  }
}

// With the exact exp (what the node uses), the weights differ by up to ~4 %: the results stay close.
TEST(ClassicNlm, ExactExpStaysCloseToSkimage) {
  MIRFLOW_REQUIRE_PYTHON("skimage.restoration");
  const Plane clean = ch2_crop(90, 30, 50, 80, 70);
  const double sigma = 8.5;
  const Plane f = add_noise(clean, sigma, 32);
  NlmOptions o;
  o.h = 6.8;
  o.sigma = sigma;
  const Plane ref = python_apply(f, "from skimage.restoration import denoise_nl_means\n"
                                    "r = denoise_nl_means(a, patch_size=7, patch_distance=11, h=6.8, sigma=8.5, fast_mode=True)");
  const Plane ours = nl_means(f, o);
  double mean_abs = 0;
  for (std::size_t i = 0; i < ours.v.size(); ++i) mean_abs += std::abs(ours.v[i] - ref.v[i]);
  mean_abs /= static_cast<double>(ours.v.size());
  std::printf("[ measured ] nlm exact exp vs skimage (fast exp): mean |diff| %.4f, max %.4f (σ = 8.5); PSNR ours %.3f, "
              "skimage %.3f dB\n", mean_abs, max_abs_diff(ours, ref), psnr(clean, ours), psnr(clean, ref));
  EXPECT_LT(mean_abs, 0.05 * sigma);
  EXPECT_NEAR(psnr(clean, ours), psnr(clean, ref), 0.3);
}

TEST(ClassicNlm, ConstantImageStaysConstant) {
  const Plane c(25, 19, 7.5);
  for (bool fast : {true, false}) {
    NlmOptions o;
    o.h = 1.0;
    o.fast = fast;
    o.patch_distance = 4;
    EXPECT_LT(max_abs_diff(nl_means(c, o), c), 1e-12);
  }
}
