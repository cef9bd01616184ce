// The PNG the model sees: decoded by PIL (/usr/bin/python3) it must hold exactly
// round((v − lo)/(hi − lo)·255) clamped; the automatic windows (DICOM tags, CT soft tissue,
// percentiles checked against a sort) are the documented ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "mirflow_semantic/png_window.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::semantic;

TEST(PngWindow, PilDecodesTheWindowedPixels) {
  if (!mirflow::test::python_has("PIL")) GTEST_SKIP() << "/usr/bin/python3 has no PIL";
  Image im = Image::allocate2d(DType::F32, 23, 17);
  for (int y = 0; y < 17; ++y)
    for (int x = 0; x < 23; ++x) im.at<float>(x, y) = static_cast<float>(-50 + 7.3 * x + 11.1 * y);
  im.at<float>(3, 4) = std::nanf("");
  const Window w{0, 200, "test"};
  const std::string png = encode_png_gray8(im, w);
  const auto dir = mirflow::test::scratch_dir("png_window");
  std::ofstream(dir / "w.png", std::ios::binary) << png;
  std::string out;
  ASSERT_EQ(mirflow::test::run_command("/usr/bin/python3 -c \"import PIL.Image, numpy as np; a = np.asarray(PIL.Image.open('" +
                                           (dir / "w.png").string() +
                                           "')); print(a.shape[1], a.shape[0], a.dtype); print(' '.join(map(str, a.ravel())))\"",
                                       &out),
            0)
      << out;
  std::istringstream s(out);
  int w_ = 0, h_ = 0;
  std::string dtype;
  s >> w_ >> h_ >> dtype;
  EXPECT_EQ(w_, 23);
  EXPECT_EQ(h_, 17);
  EXPECT_EQ(dtype, "uint8");
  for (int y = 0; y < 17; ++y)
    for (int x = 0; x < 23; ++x) {
      int v = -1;
      s >> v;
      const double f = im.at<float>(x, y);
      const int expect = std::isnan(f) ? 0 : static_cast<int>(std::clamp(std::round(f / 200.0 * 255.0), 0.0, 255.0));
      ASSERT_EQ(v, expect) << x << "," << y;
    }
}

TEST(PngWindow, AutomaticWindows) {
  Image im = Image::allocate2d(DType::F32, 20, 20);
  std::vector<double> v;
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 20; ++x) v.push_back(im.at<float>(x, y) = static_cast<float>((x * 37 + y * 11) % 400));
  const Window ct = auto_window(im, "CT");
  EXPECT_DOUBLE_EQ(ct.lo, -160);
  EXPECT_DOUBLE_EQ(ct.hi, 240);
  im.metadata()["dicom.WindowCenter"] = "300\\500";
  im.metadata()["dicom.WindowWidth"] = "100";
  const Window tags = auto_window(im, "CT");
  EXPECT_DOUBLE_EQ(tags.lo, 250);
  EXPECT_DOUBLE_EQ(tags.hi, 350);
  im.metadata().clear();
  std::sort(v.begin(), v.end());  // nearest rank: index round(q·(n − 1))
  const Window mr = auto_window(im, "MR");
  EXPECT_DOUBLE_EQ(mr.lo, v[static_cast<std::size_t>(std::lround(0.005 * 399))]);
  EXPECT_DOUBLE_EQ(mr.hi, v[static_cast<std::size_t>(std::lround(0.995 * 399))]);
  EXPECT_THROW(encode_png_gray8(Image::allocate3d(DType::F32, 2, 2, 2), {0, 1, ""}), std::invalid_argument);
  EXPECT_THROW(encode_png_gray8(im, {1, 1, ""}), std::invalid_argument);
}
