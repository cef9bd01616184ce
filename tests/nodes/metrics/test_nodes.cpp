// The metrics nodes through the engine: two folders of .npy volumes (clean and noisy, written by
// numpy) → flow.slice → metrics.compare → metrics.write_json. Every slice's PSNR and SSIM are
// checked against scikit-image on the same arrays, the records come sorted by item, and
// metrics.segmentation on constructed masks gives the analytic Dice; noise_reduction and hu_bias
// with the mask and noisy inputs give their constructed answers. Bad parameters fail cleanly.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include <mirflow/error.hpp>

#include "metrics_test_util.hpp"
#include "test_support.hpp"

using namespace mirflow;
namespace fs = std::filesystem;

namespace {

const char* kCompareGraph = R"(
[graph]
name = "metrics"
edges = [
  "clean.image -> clean_slices.volume",
  "noisy.image -> noisy_slices.volume",
  "clean_slices.slice -> compare.reference",
  "noisy_slices.slice -> compare.image",
  "compare.json -> output.json",
]

[[node]]
id = "clean"
type = "io.npy_read"
path = "clean/*.npy"

[[node]]
id = "noisy"
type = "io.npy_read"
path = "noisy/*.npy"

[[node]]
id = "clean_slices"
type = "flow.slice"

[[node]]
id = "noisy_slices"
type = "flow.slice"

[[node]]
id = "compare"
type = "metrics.compare"
metrics = "psnr, ssim, rmse, fsim"
data_range = 255

[[node]]
id = "output"
type = "metrics.write_json"
path = "out/metrics.json"
)";

}  // namespace

TEST(MetricsNodes, CompareSlicesAgainstSkimage) {
  if (!test::python_has("skimage.metrics")) GTEST_SKIP() << "/usr/bin/python3 with scikit-image is not available";
  const fs::path dir = test::scratch_dir("metrics_nodes");
  // Two volumes of 3 slices, 48×40 (a.npy and b.npy in each folder); the reference numbers per slice.
  const std::string cmd =
      "/usr/bin/python3 -c \"import numpy as np, json, os; from skimage.metrics import peak_signal_noise_ratio as p, "
      "structural_similarity as s; d='" + dir.string() + "'; r=np.random.default_rng(4); out={}\n"
      "os.makedirs(d+'/clean'); os.makedirs(d+'/noisy')\n"
      "for n in ('a','b'):\n"
      "  y,x=np.mgrid[0:40,0:48]; c=np.stack([100+80*np.sin(x/(5+k))*np.cos(y/7)+40*(x>20) for k in range(3)]).astype(np.float32)\n"
      "  z=(c+r.normal(0,9 if n=='a' else 20,c.shape)).astype(np.float32)\n"
      "  np.save(d+'/clean/'+n+'.npy',c); np.save(d+'/noisy/'+n+'.npy',z)\n"
      "  for k in range(3): out[n+'.npy/z=%d'%k]=[p(c[k].astype(float),z[k].astype(float),data_range=255), "
      "s(z[k].astype(float),c[k].astype(float),gaussian_weights=True,sigma=1.5,use_sample_covariance=False,data_range=255)]\n"
      "json.dump(out,open(d+'/ref.json','w'))\"";
  std::string log;
  ASSERT_EQ(test::run_command(cmd, &log), 0) << log;

  test::run_string(kCompareGraph, dir);
  const nlohmann::json got = nlohmann::json::parse(std::ifstream(dir / "out/metrics.json"));
  const nlohmann::json ref = nlohmann::json::parse(std::ifstream(dir / "ref.json"));
  const std::vector<std::string> order{"a.npy/z=0", "a.npy/z=1", "a.npy/z=2", "b.npy/z=0", "b.npy/z=1", "b.npy/z=2"};
  ASSERT_EQ(got["records"].size(), order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    const nlohmann::json& r = got["records"][i];
    ASSERT_EQ(r["item"], order[i]);
    EXPECT_NEAR(r["psnr"].get<double>(), ref[order[i]][0].get<double>(), 1e-4) << order[i];
    EXPECT_NEAR(r["ssim"].get<double>(), ref[order[i]][1].get<double>(), 1e-4) << order[i];
    EXPECT_DOUBLE_EQ(r["data_range"].get<double>(), 255.0);
    // RMSE and PSNR are two views of one MSE: 20·log10(R / RMSE).
    EXPECT_NEAR(r["psnr"].get<double>(), 20 * std::log10(255.0 / r["rmse"].get<double>()), 1e-9);
    EXPECT_GT(r["fsim"].get<double>(), 0.3);
    EXPECT_LT(r["fsim"].get<double>(), 1.0);
  }
  // More noise in b: lower PSNR on every slice.
  for (int k = 0; k < 3; ++k) EXPECT_GT(got["records"][k]["psnr"].get<double>(), got["records"][k + 3]["psnr"].get<double>());
}

TEST(MetricsNodes, SegmentationRecords) {
  if (!test::python_has("numpy")) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  const fs::path dir = test::scratch_dir("metrics_seg_nodes");
  // 40×40 masks: a 10×10 square and the same square shifted by 2 pixels in x: Dice 0.8.
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np, os; d='" + dir.string() +
                          "'; os.makedirs(d+'/m'); os.makedirs(d+'/r'); a=np.zeros((40,40),np.uint8); b=a.copy(); "
                          "a[10:20,10:20]=1; b[10:20,12:22]=1; np.save(d+'/m/s.npy',a); np.save(d+'/r/s.npy',b)\"";
  std::string log;
  ASSERT_EQ(test::run_command(cmd, &log), 0) << log;
  test::run_string(R"(
[graph]
name = "seg"
edges = ["m.image -> seg.mask", "r.image -> seg.reference", "seg.json -> output.json"]
[[node]]
id = "m"
type = "io.npy_read"
path = "m/*.npy"
[[node]]
id = "r"
type = "io.npy_read"
path = "r/*.npy"
[[node]]
id = "seg"
type = "metrics.segmentation"
[[node]]
id = "output"
type = "metrics.write_json"
path = "seg.json"
)",
                   dir);
  const nlohmann::json got = nlohmann::json::parse(std::ifstream(dir / "seg.json"));
  ASSERT_EQ(got["records"].size(), 1u);
  EXPECT_EQ(got["records"][0]["item"], "s.npy");
  EXPECT_NEAR(got["records"][0]["dice"].get<double>(), 0.8, 1e-12);
  EXPECT_NEAR(got["records"][0]["hausdorff_mm"].get<double>(), 2.0, 1e-12);  // npy spacing: 1 mm
}

TEST(MetricsNodes, UnknownMetricIsAnInputError) {
  if (!test::python_has("numpy")) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  const fs::path dir = test::scratch_dir("metrics_bad");
  std::string log;
  ASSERT_EQ(test::run_command("/usr/bin/python3 -c \"import numpy as np, os; d='" + dir.string() +
                                  "'; [os.makedirs(d+'/'+f) or np.save(d+'/'+f+'/a.npy', np.ones((12,12),np.float32)) "
                                  "for f in ('clean','noisy')]\"",
                              &log),
            0)
      << log;
  const std::string graph = kCompareGraph;
  try {
    test::run_string(graph, dir, {"compare.metrics=psnr,ssmi"});
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown metric 'ssmi'"), std::string::npos) << e.what();
  }
}

TEST(MetricsNodes, NoiseReductionAndHuBiasWithMaskAndNoisyInputs) {
  if (!test::python_has("numpy")) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  const fs::path dir = test::scratch_dir("metrics_ct_nodes");
  // A 2-D "CT" slice: 0 HU water with a 60 HU insert (label 2) and a water region (label 1).
  // noisy = reference + noise; image = reference + noise/4 + 5, so the noise drops exactly 4x and
  // each label's bias is 5 + mean(noise over the label)/4 (computed here by numpy).
  const std::string cmd =
      "/usr/bin/python3 -c \"import numpy as np, os, json; d='" + dir.string() +
      "'; r=np.random.default_rng(8)\n"
      "for f in ('ref','noisy','img','mask'): os.makedirs(d+'/'+f)\n"
      "ref=np.zeros((64,80),np.float32); ref[20:40,40:60]=60; m=np.zeros((64,80),np.uint8); m[5:15,5:30]=1; m[22:38,42:58]=2\n"
      "n=r.normal(0,20,ref.shape).astype(np.float32); noisy=ref+n; img=ref+n/4+5\n"
      "[np.save(d+'/'+f+'/s.npy',a) for f,a in (('ref',ref),('noisy',noisy),('img',img),('mask',m))]\n"
      "json.dump({'bias1':float(5+(n[m==1].astype(float)/4).mean()),'bias2':float(5+(n[m==2].astype(float)/4).mean())},open(d+'/ref.json','w'))\"";
  std::string log;
  ASSERT_EQ(test::run_command(cmd, &log), 0) << log;
  std::string graph = R"(
[graph]
name = "ct"
edges = ["ref.image -> c.reference", "noisy.image -> c.noisy", "img.image -> c.image", "mask.image -> c.mask",
         "c.json -> output.json"]
[[node]]
id = "ref"
type = "io.npy_read"
path = "ref/*.npy"
[[node]]
id = "noisy"
type = "io.npy_read"
path = "noisy/*.npy"
[[node]]
id = "img"
type = "io.npy_read"
path = "img/*.npy"
[[node]]
id = "mask"
type = "io.npy_read"
path = "mask/*.npy"
[[node]]
id = "c"
type = "metrics.compare"
metrics = "noise_reduction, hu_bias, rmse"
roi = [5, 5, 30, 15]
[[node]]
id = "output"
type = "metrics.write_json"
path = "ct.json"
)";
  test::run_string(graph, dir);
  nlohmann::json got = nlohmann::json::parse(std::ifstream(dir / "ct.json"))["records"][0];
  const nlohmann::json ref = nlohmann::json::parse(std::ifstream(dir / "ref.json"));
  EXPECT_NEAR(got["noise_reduction"].get<double>(), 4.0, 1e-5);  // float32 pixels
  EXPECT_NEAR(got["hu_bias"]["1"]["mean_difference"].get<double>(), ref["bias1"].get<double>(), 1e-4);
  EXPECT_NEAR(got["hu_bias"]["2"]["mean_difference"].get<double>(), ref["bias2"].get<double>(), 1e-4);
  EXPECT_EQ(got["hu_bias"]["2"]["voxels"].get<int>(), 16 * 16);
  EXPECT_FALSE(got.contains("data_range"));  // no ranged metric was asked for
  // Without roi the mask's labelled pixels are the region: the ratio is still exactly 4.
  test::run_string(graph, dir, {"c.metrics=noise_reduction", "output.path=" + (dir / "ct_mask.json").string()});
  got = nlohmann::json::parse(std::ifstream(dir / "ct_mask.json"))["records"][0];
  EXPECT_NEAR(got["noise_reduction"].get<double>(), 4.0, 1e-5);
}
