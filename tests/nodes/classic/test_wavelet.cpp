// The wavelet transform, the shared σ estimator and wavelet shrinkage against PyWavelets and
// skimage.restoration (independent implementations), plus closed forms on constructed data.
#include <gtest/gtest.h>

#include <cmath>

#include <mirflow_imgproc/robust.hpp>

#include "noise_sigma.hpp"
#include "python_reference.hpp"
#include "wavelet_shrink.hpp"
#include "wavelet_transform.hpp"

using namespace mirflow::classic;
using namespace mirflow::classic::testing;

TEST(ClassicWavelet, MadSigmaOfConstructedCoefficients) {
  // nonzero |c| = 1, 2, 3, 4 → median 2.5; zeros are ignored (skimage's _sigma_est_dwt)
  EXPECT_NEAR(mirflow::imgproc::mad_sigma({1, -2, 0, 3, 0, -4}), 2.5 / 0.6744897501960817, 1e-12);
  EXPECT_NEAR(mirflow::imgproc::mad_sigma({-7, 5, 0, 1}), 5 / 0.6744897501960817, 1e-12);
  EXPECT_EQ(mirflow::imgproc::mad_sigma({0, 0}), 0.0);
}

TEST(ClassicWavelet, ThresholdsInClosedForm) {
  Plane band(2, 2);
  band.v = {3, -3, 3, -3};  // mean square 9
  EXPECT_NEAR(bayes_threshold(band, 2.0), 4.0 / std::sqrt(5.0), 1e-12);
  EXPECT_NEAR(bayes_threshold(band, 3.0), 9.0 / std::sqrt(2.220446049250313e-16), 1e-3);  // all noise
  EXPECT_NEAR(universal_threshold(2.0, 100), 2.0 * std::sqrt(2.0 * std::log(100.0)), 1e-12);
  EXPECT_EQ(shrink(5.0, 2.0, true), 3.0);
  EXPECT_EQ(shrink(-5.0, 2.0, true), -3.0);
  EXPECT_EQ(shrink(1.5, 2.0, true), 0.0);
  EXPECT_EQ(shrink(-5.0, 2.0, false), -5.0);
  EXPECT_EQ(shrink(1.5, 2.0, false), 0.0);
}

TEST(ClassicWavelet, PerfectReconstructionWithZeroThreshold) {
  // Orthogonal filters: analysis then synthesis is the identity, odd sizes and several levels included.
  for (const char* name : {"haar", "db2"})
    for (auto [nx, ny, levels] : {std::tuple{37, 29, 3}, std::tuple{64, 48, 4}, std::tuple{9, 13, 1}}) {
      Plane f(nx, ny);
      for (std::int64_t i = 0; i < f.size(); ++i) f.v[static_cast<std::size_t>(i)] = std::sin(0.37 * i) * 50 + (i % 7);
      const Wavelet& w = wavelet_by_name(name);
      EXPECT_LT(max_abs_diff(waverec2(wavedec2(f, w, levels), w, nx, ny), f), 1e-10) << name << " " << nx << "x" << ny;
      WaveletShrinkOptions o;
      o.wavelet = name;
      o.levels = levels;
      o.sigma = 0.0;  // BayesShrink threshold σ²/… = 0
      EXPECT_LT(max_abs_diff(wavelet_shrink(f, o), f), 1e-10) << name;
    }
}

TEST(ClassicWavelet, Dwt2MatchesPywt) {
  MIRFLOW_REQUIRE_PYTHON("pywt");
  const Plane f = add_noise(ch2_crop(90, 40, 60, 45, 38), 5.0, 11);
  for (const char* name : {"haar", "db2"}) {
    const Decomposition d = dwt2(f, wavelet_by_name(name));
    const auto [bx, by] = std::pair{d.approx.nx, d.approx.ny};
    const std::string n = name;
    // one Python run: the four bands stacked along y, in the order aa, ad, da, dd
    const Plane all = python_apply(f, "import pywt\nc = pywt.dwtn(a, '" + n + "')\n"
                                      "r = np.concatenate([c['aa'], c['ad'], c['da'], c['dd']])", bx, 4 * by);
    auto band = [&](int i) {
      Plane b(bx, by);
      std::copy_n(all.v.begin() + i * bx * by, bx * by, b.v.begin());
      return b;
    };
    const Plane aa = band(0), ad = band(1), da = band(2), dd = band(3);
    EXPECT_LT(max_abs_diff(d.approx, aa), 1e-9) << name;
    EXPECT_LT(max_abs_diff(d.details[0].ad, ad), 1e-9) << name;
    EXPECT_LT(max_abs_diff(d.details[0].da, da), 1e-9) << name;
    EXPECT_LT(max_abs_diff(d.details[0].dd, dd), 1e-9) << name;
  }
}

TEST(ClassicWavelet, ShrinkageMatchesSkimageDenoiseWavelet) {
  MIRFLOW_REQUIRE_PYTHON("pywt", "skimage.restoration");
  const Plane clean = ch2_crop(90, 30, 40, 101, 90);
  const Plane f = add_noise(clean, 8.0, 13);
  struct Case {
    const char* wavelet;
    ShrinkRule rule;
    bool soft;
    int levels;
    std::optional<double> sigma;
  };
  const std::vector<Case> cases{{"db2", ShrinkRule::Bayes, true, 0, std::nullopt}, {"db2", ShrinkRule::Bayes, true, 3, 8.0},
                                {"haar", ShrinkRule::Visu, true, 2, 8.0}, {"haar", ShrinkRule::Bayes, false, 0, std::nullopt},
                                {"db2", ShrinkRule::Visu, false, 4, std::nullopt}};
  std::vector<std::string> args, snippets;
  for (const Case& c : cases) {
    // a float image is neither rescaled nor clipped by denoise_wavelet
    args.push_back(std::string("wavelet='") + c.wavelet + "', method='" +
                   (c.rule == ShrinkRule::Bayes ? "BayesShrink" : "VisuShrink") + "', mode='" + (c.soft ? "soft" : "hard") +
                   "', wavelet_levels=" + (c.levels > 0 ? std::to_string(c.levels) : "None") +
                   ", sigma=" + (c.sigma ? num(*c.sigma) : "None"));
    snippets.push_back("from skimage.restoration import denoise_wavelet\nr = denoise_wavelet(a, " + args.back() + ")");
  }
  const std::vector<Plane> refs = python_apply_many(f, snippets);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    WaveletShrinkOptions o;
    o.wavelet = c.wavelet;
    o.rule = c.rule;
    o.soft = c.soft;
    o.levels = c.levels;
    o.sigma = c.sigma;
    const Plane ours = wavelet_shrink(f, o);
    const double err = max_abs_diff(ours, refs[i]);
    std::printf("[ measured ] wavelet %s: max |ours - skimage| = %.3g (values up to ~170); PSNR noisy %.2f, denoised %.2f dB\n",
                args[i].c_str(), err, psnr(clean, f), psnr(clean, ours));
    EXPECT_LT(err, 1e-8) << args[i];
    if (c.rule == ShrinkRule::Bayes) {
      EXPECT_GT(psnr(clean, ours), psnr(clean, f) + 1.0) << args[i];  // it denoises
    }
  }
}
