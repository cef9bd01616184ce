// noise.mri_motion: fraction 0 is the identity on |image|; phase ramps are unitary (Parseval);
// moved lines ghost along y; same seed, same bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <cstring>

#include <mirflow_physics/complex_image.hpp>

#include "noise_test_util.hpp"

using namespace mirflow;
using namespace mirflow::noise_test;

namespace {
// A 96×80 float image: a bright off-centre rectangle on a dim disc (real, ≥ 0, with a negative patch).
Image test_image() {
  Image im = Image::allocate2d(DType::F32, 96, 80);
  im.geometry().spacing = {0.8, 0.9, 1.0};
  for (std::int64_t y = 0; y < im.ny(); ++y)
    for (std::int64_t x = 0; x < im.nx(); ++x) {
      double v = std::hypot(double(x) - 48, double(y) - 40) < 30 ? 20.0 : 0.0;
      if (x > 30 && x < 50 && y > 25 && y < 45) v = 100.0;
      if (x > 60 && x < 66 && y > 35 && y < 42) v = -15.0;
      im.at<float>(x, y) = static_cast<float>(v);
    }
  return im;
}
double energy(const Image& im, bool complex) {
  double e = 0;
  if (complex) {
    const auto* z = physics::complex_data(im);
    for (std::int64_t i = 0; i < physics::complex_nx(im) * im.ny(); ++i) e += std::norm(std::complex<double>(z[i]));
  } else {
    for (std::int64_t i = 0; i < im.size(); ++i) e += double(im.data<float>()[i]) * double(im.data<float>()[i]);
  }
  return e;
}
}  // namespace

TEST(MriMotion, FractionZeroIsTheMagnitude) {
  const Image in = test_image();
  const Image out = run_node("noise.mri_motion", {{"fraction", 0.0}, {"seed", std::int64_t{1}}}, in);
  ASSERT_EQ(out.shape(), in.shape());
  EXPECT_EQ(out.dtype(), DType::F32);
  EXPECT_EQ(out.geometry().spacing, in.geometry().spacing);
  double worst = 0;
  for (std::int64_t i = 0; i < in.size(); ++i)
    worst = std::max(worst, std::abs(double(out.data<float>()[i]) - std::abs(double(in.data<float>()[i]))));
  std::printf("[ measured ] mri_motion fraction 0: max ||in| − out| = %.2e (max |in| 100)\n", worst);
  EXPECT_LT(worst, 1e-5 * 100);  // 1e-5 relative to the maximum (float FFT round trip)
  EXPECT_EQ(out.metadata().at("noise.motion_lines"), "0");
}

TEST(MriMotion, PhaseRampsConserveEnergyAndGhostAlongY) {
  const Image in = test_image();
  const Image out = run_node("noise.mri_motion",
                             {{"fraction", 0.3}, {"max_shift_px", 3.0}, {"magnitude", false}, {"seed", std::int64_t{7}}}, in);
  ASSERT_TRUE(physics::is_complex(out));
  ASSERT_EQ(physics::complex_nx(out), in.nx());
  const double e_in = energy(in, false), e_out = energy(out, true);
  std::printf("[ measured ] mri_motion fraction 0.3 (24 of 80 lines), shifts ≤ 3 px: Σ|x|² in %.6e out %.6e (rel "
              "diff %.2e)\n",
              e_in, e_out, rel_err(e_out, e_in));
  EXPECT_LT(rel_err(e_out, e_in), 1e-4);
  EXPECT_EQ(out.metadata().at("noise.motion_lines"), "24");

  // Ghosting: the magnitude output differs from |in| (clearly) in rows outside the object too.
  const Image mag = run_node("noise.mri_motion", {{"fraction", 0.3}, {"max_shift_px", 3.0}, {"seed", std::int64_t{7}}}, in);
  double bg = 0;
  std::int64_t n = 0;
  for (std::int64_t y = 0; y < in.ny(); ++y)
    for (std::int64_t x = 40; x < 56; ++x)
      if (y < 8 || y > 72) bg += mag.at<float>(x, y), ++n;  // above and below the disc, along y from the object
  std::printf("[ measured ] mri_motion ghost level outside the object along y: mean %.3f (object 100)\n", bg / double(n));
  EXPECT_GT(bg / double(n), 0.2);
  // Magnitude of the complex output equals the magnitude output (same seed, same lines).
  const Image m2 = physics::magnitude(out);
  EXPECT_EQ(std::memcmp(m2.raw(), mag.raw(), mag.bytes()), 0);
}

TEST(MriMotion, SameSeedSameBytesOtherSeedOtherBytes) {
  const Image in = test_image();
  const std::map<std::string, ParamValue> set{{"fraction", 0.2}, {"seed", std::int64_t{9}}};
  const Image a = run_node("noise.mri_motion", set, in), b = run_node("noise.mri_motion", set, in);
  const Image c = run_node("noise.mri_motion", {{"fraction", 0.2}, {"seed", std::int64_t{10}}}, in);
  const Image d = run_node("noise.mri_motion", set, in, Key::root("other"));
  EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.bytes()), 0);
  EXPECT_NE(std::memcmp(a.raw(), c.raw(), a.bytes()), 0);
  EXPECT_NE(std::memcmp(a.raw(), d.raw(), a.bytes()), 0);
}
