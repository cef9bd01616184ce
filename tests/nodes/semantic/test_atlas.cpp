// semantic.atlas: M is the priority of each voxel's label (constructed labels, hand-computed
// boxes), the name list parser (mricron's aal.nii.txt), and the node end to end on the real AAL
// atlas: io.nifti_read → semantic.atlas → io.nifti_write, checked voxel by voxel with nibabel.
#include <gtest/gtest.h>

#include <fstream>

#include <mirflow/error.hpp>

#include "mirflow_semantic/atlas.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::semantic;
namespace fs = std::filesystem;

TEST(Atlas, MapIsThePriorityOfEachLabel) {
  Image labels = Image::allocate2d(DType::I16, 8, 6);
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 8; ++x) labels.at<std::int16_t>(x, y) = static_cast<std::int16_t>(x < 2 ? 0 : x < 5 ? 3 : 7);
  labels.at<std::int16_t>(6, 5) = 9;
  AtlasOptions o;
  o.priorities = {{3, 0.9}, {9, 0.0}};
  o.default_priority = 0.4;
  o.names = {{3, "caudate"}};
  const SemanticMap m = atlas_map(labels, o);
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 8; ++x) {
      const int l = labels.at<std::int16_t>(x, y);
      ASSERT_FLOAT_EQ(m.map.at<float>(x, y), l == 0 ? 0.0f : l == 3 ? 0.9f : l == 7 ? 0.4f : 0.0f);
    }
  ASSERT_EQ(m.regions.size(), 2u);  // 0 and 9 have priority 0: no region
  EXPECT_EQ(m.regions[0].label, "caudate");
  EXPECT_DOUBLE_EQ(m.regions[0].box.x0, 2);
  EXPECT_DOUBLE_EQ(m.regions[0].box.x1, 5);
  EXPECT_DOUBLE_EQ(m.regions[0].box.y1, 6);
  EXPECT_EQ(m.regions[1].label, "label 7");
  EXPECT_EQ(m.provider, "atlas");
}

TEST(Atlas, NameListOfAal) {
  const fs::path txt = "/usr/share/mricron/templates/aal.nii.txt";
  if (!fs::exists(txt)) GTEST_SKIP() << "mricron-data not installed";
  const auto names = read_label_names(txt);
  EXPECT_EQ(names.at(1), "Precentral_L");
  EXPECT_EQ(names.at(2), "Precentral_R");
  EXPECT_EQ(names.size(), 116u);  // AAL has 116 regions
  const auto dir = mirflow::test::scratch_dir("atlas_names");
  std::ofstream(dir / "bad.txt") << "# comment\n\n1 a\nnot-a-number b\n";
  try {
    read_label_names(dir / "bad.txt");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt:4"), std::string::npos) << e.what();
  }
}

TEST(Atlas, NodeOnTheRealAalAtlasAgreesWithNibabel) {
  const fs::path aal = "/usr/share/mricron/templates/aal.nii.gz";
  if (!fs::exists(aal) || !mirflow::test::python_has("nibabel")) GTEST_SKIP() << "needs mricron-data and nibabel";
  const auto dir = mirflow::test::scratch_dir("atlas_node");
  mirflow::test::run_string(R"([graph]
edges = ["input.image -> atlas.labels", "atlas.map -> output.image"]
[[node]]
id = "input"
type = "io.nifti_read"
path = ")" + aal.string() + R"("
[[node]]
id = "atlas"
type = "semantic.atlas"
labels = [1, 2, 71, 72]
priorities = [0.9, 0.8, 1.0, 0.0]
default_priority = 0.3
names = ")" + (aal.string().substr(0, aal.string().size() - 3) + ".txt") + R"("
[[node]]
id = "output"
type = "io.nifti_write"
path = "m.nii.gz"
)",
                            dir);
  std::string out;
  const std::string py =
      "import nibabel as nib, numpy as np\n"
      "l = np.rint(np.asarray(nib.load('" + aal.string() + "').dataobj, dtype=np.float64)).astype(int)\n"
      "m = np.asarray(nib.load('" + (dir / "m.nii.gz").string() + "').dataobj)\n"
      "p = np.where(l == 0, 0.0, 0.3)\n"
      "for k, v in [(1, 0.9), (2, 0.8), (71, 1.0), (72, 0.0)]: p[l == k] = v\n"
      "print(m.dtype, m.shape == l.shape, float(np.abs(m - p).max()), int((l == 71).sum()))\n";
  std::ofstream(dir / "check.py") << py;
  ASSERT_EQ(mirflow::test::run_command("/usr/bin/python3 " + (dir / "check.py").string(), &out), 0) << out;
  std::istringstream s(out);
  std::string dtype, same;
  double err = 1;
  long n71 = 0;
  s >> dtype >> same >> err >> n71;
  EXPECT_EQ(dtype, "float32") << out;
  EXPECT_EQ(same, "True") << out;
  EXPECT_LT(err, 1e-6) << out;
  EXPECT_GT(n71, 0) << "label 71 (caudate) absent: " << out;
}
