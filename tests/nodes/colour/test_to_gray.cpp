// colour.to_gray against DICOM's own definition of luma: YBR_FULL stores
// Y = 0.299 R + 0.587 G + 0.114 B, so the luma of an RGB coding of an image must equal the Y
// plane of a YBR_FULL coding of the same image (pydicom ships both, JPEG-coded by dcmtk, so
// they agree to within the lossy coding). And a colour image that reaches a node computing on
// one value per pixel is refused with an error naming the node and the remedy.
#include <gtest/gtest.h>

#include <cmath>

#include "io_test_util.hpp"
#include "mirflow/engine.hpp"
#include "mirflow/error.hpp"
#include "npy_format.hpp"

using namespace mirflow;
using namespace mirflow::io::test;

namespace {

const fs::path kFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

std::string graph(const fs::path& dicom, const std::string& middle_type, const std::string& middle_params,
                  const std::string& out) {
  return "[graph]\nname = \"colour\"\nedges = [\"input.image -> gray.image\", \"gray.image -> output.image\"]\n"
         "[[node]]\nid = \"input\"\ntype = \"io.dicom_read\"\npath = \"" + dicom.string() + "\"\n"
         "[[node]]\nid = \"gray\"\ntype = \"" + middle_type + "\"\n" + middle_params +
         "[[node]]\nid = \"output\"\ntype = \"io.npy_write\"\npath = \"" + out + "\"\n";
}

Image to_gray(const fs::path& dicom, const std::string& params, const Scratch& dir, const std::string& name) {
  mirflow::test::run_string(graph(dicom, "colour.to_gray", params, name), dir.dir());
  return io::read_npy(dir / name);
}

}  // namespace

TEST(ColourToGray, LumaOfRgbEqualsTheYPlaneOfTheSameImageCodedAsYbrFull) {
  const fs::path rgb = kFiles / "SC_rgb_dcmtk_+eb+cr.dcm", ybr = kFiles / "SC_rgb_dcmtk_+eb+cy+n1.dcm";
  if (!fs::exists(rgb) || !fs::exists(ybr)) GTEST_SKIP() << "pydicom's colour test files are missing (python3-pydicom)";
  Scratch dir("colour-luma");
  const Image from_rgb = to_gray(rgb, "", dir, "rgb.npy");
  const Image from_ybr = to_gray(ybr, "", dir, "ybr.npy");
  ASSERT_EQ(from_rgb.components(), 1);
  ASSERT_EQ(from_rgb.dtype(), DType::F32);
  ASSERT_EQ(from_rgb.shape(), from_ybr.shape());
  double sum = 0, worst = 0;
  for (std::int64_t y = 0; y < from_rgb.ny(); ++y)
    for (std::int64_t x = 0; x < from_rgb.nx(); ++x) {
      const double d = std::abs(from_rgb.value(x, y) - from_ybr.value(x, y));
      sum += d;
      worst = std::max(worst, d);
    }
  const double mean = sum / static_cast<double>(from_rgb.size());
  // Measured: mean 0.31, largest 2.4 grey levels (the two JPEG codings differ that much).
  // BT.709 weights instead of BT.601 would be tens of levels off on these colour bars.
  EXPECT_LT(mean, 0.5);
  EXPECT_LT(worst, 3.0);
}

TEST(ColourToGray, ComponentMethodPicksOneSample) {
  const fs::path rgb = kFiles / "SC_rgb_rle.dcm";
  if (!fs::exists(rgb)) GTEST_SKIP() << "missing " << rgb << " (python3-pydicom)";
  Scratch dir("colour-component");
  const Image green = to_gray(rgb, "method = \"component\"\ncomponent = 1\n", dir, "g.npy");
  mirflow::test::run_string("[graph]\nname = \"c\"\nedges = [\"input.image -> output.image\"]\n"
                            "[[node]]\nid = \"input\"\ntype = \"io.dicom_read\"\npath = \"" + rgb.string() + "\"\n"
                            "[[node]]\nid = \"output\"\ntype = \"io.npy_write\"\npath = \"rgb.npy\"\n",
                            dir.dir());
  // The colour image itself, written as (ny, nx, 3): read back the raw bytes after the header.
  const std::string raw = read_file(dir / "rgb.npy");
  const std::size_t n = static_cast<std::size_t>(green.size()) * 3;
  ASSERT_GT(raw.size(), n);
  const unsigned char* px = reinterpret_cast<const unsigned char*>(raw.data() + raw.size() - n);
  for (std::int64_t i = 0; i < green.size(); ++i)
    ASSERT_EQ(green.data<float>()[i], static_cast<float>(px[3 * i + 1])) << i;
}

TEST(ColourToGray, ScalarNodeRefusesColourNamingTheNodeAndTheRemedy) {
  const fs::path rgb = kFiles / "SC_rgb_rle.dcm";
  if (!fs::exists(rgb)) GTEST_SKIP() << "missing " << rgb << " (python3-pydicom)";
  Scratch dir("colour-refused");
  try {
    mirflow::test::run_string(graph(rgb, "classic.gaussian", "sigma = 1.0\n", "out.npy"), dir.dir());
    ADD_FAILURE() << "a colour image went through classic.gaussian";
  } catch (const RunError& e) {
    const std::string m = e.what();
    EXPECT_EQ(e.node(), "gray") << m;
    EXPECT_TRUE(e.bad_input()) << m;
    EXPECT_NE(m.find("colour image"), std::string::npos) << m;
    EXPECT_NE(m.find("colour.to_gray"), std::string::npos) << m;
  }
  EXPECT_FALSE(fs::exists(dir / "out.npy"));
}
