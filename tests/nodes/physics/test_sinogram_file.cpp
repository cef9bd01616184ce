// Sinogram files: .npy + .json sidecar round trip, NumPy interoperability, refusals.
#include <gtest/gtest.h>

#include <fstream>

#include <mirflow/error.hpp>

#include "mirflow_physics/sinogram_file.hpp"
#include "physics_test_util.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::physics;
namespace fs = std::filesystem;

namespace {
Sinogram example() {
  ProjectionGeometry g;
  g.beam = Beam::Fan;
  g.detector = DetectorShape::Arc;
  g.angles_deg = angle_span(0, 360, 9);
  g.bins = 13, g.bin_spacing = 1.5, g.detector_offset = 0.75;
  g.source_to_isocenter = 500, g.source_to_detector = 900;
  g.image_nx = 8, g.image_ny = 6, g.pixel_dx = 0.5, g.pixel_dy = 0.75;
  g.i0 = 2e5;
  return {ptest::random_image(g.sinogram_space(), 3), g};
}

void expect_refused(const fs::path& npy, const std::string& must_mention) {
  try {
    read_sinogram(npy);
    FAIL() << "expected InputError for " << npy;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(npy.filename().string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(must_mention), std::string::npos) << e.what();
  }
}
}  // namespace

TEST(SinogramFile, RoundTrip) {
  const fs::path dir = mirflow::test::scratch_dir("sino_rt");
  const Sinogram s = example();
  write_sinogram(s, dir / "scan.npy");
  EXPECT_TRUE(fs::exists(dir / "scan.json"));
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) ++files, (void)e;
  EXPECT_EQ(files, 2) << "no temporaries left behind";
  const Sinogram r = read_sinogram(dir / "scan.npy");
  EXPECT_EQ(r.geometry, s.geometry);
  ASSERT_EQ(r.data.nx(), 13);
  ASSERT_EQ(r.data.ny(), 9);
  for (std::int64_t i = 0; i < r.data.size(); ++i) ASSERT_EQ(r.data.data<float>()[i], s.data.data<float>()[i]);
  EXPECT_DOUBLE_EQ(r.data.geometry().spacing[0], 1.5);
}

TEST(SinogramFile, NumpyReadsOursAndWeReadNumpys) {
  if (!mirflow::test::python_has("numpy")) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  const fs::path dir = mirflow::test::scratch_dir("sino_np");
  const Sinogram s = example();
  write_sinogram(s, dir / "a.npy");
  const std::string d = dir.string() + "/";
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np, json; a=np.load('" + d + "a.npy'); j=json.load(open('" + d +
                          "a.json')); assert a.dtype==np.float32 and a.shape==(9,13), (a.dtype,a.shape); "
                          "assert j['shape']==[9,13] and j['beam']=='fan' and len(j['angles_deg'])==9; "
                          "np.save('" + d + "b.npy', (a*2).astype(np.float32)); json.dump(j, open('" + d + "b.json','w')); "
                          "np.save('" + d + "c.npy', a.astype(np.float64)); json.dump(j, open('" + d + "c.json','w'))\"";
  std::string log;
  ASSERT_EQ(mirflow::test::run_command(cmd, &log), 0) << log;
  const Sinogram b = read_sinogram(dir / "b.npy");
  EXPECT_FLOAT_EQ(b.data.at<float>(4, 5), 2.f * s.data.at<float>(4, 5));
  expect_refused(dir / "c.npy", "float32");
}

TEST(SinogramFile, MissingSidecarIsRefused) {
  const fs::path dir = mirflow::test::scratch_dir("sino_missing");
  write_sinogram(example(), dir / "x.npy");
  fs::remove(dir / "x.json");
  expect_refused(dir / "x.npy", "x.json");
  EXPECT_THROW(check_sinogram_file(dir / "x.npy"), InputError);
}

TEST(SinogramFile, DisagreeingSidecarIsRefused) {
  const fs::path dir = mirflow::test::scratch_dir("sino_disagree");
  Sinogram s = example();
  write_sinogram(s, dir / "x.npy");
  // A sidecar from another scan: 14 bins instead of 13.
  Sinogram other = s;
  other.geometry.bins = 14;
  other.data = ptest::random_image(other.geometry.sinogram_space(), 1);
  write_sinogram(other, dir / "y.npy");
  fs::copy_file(dir / "y.json", dir / "x.json", fs::copy_options::overwrite_existing);
  expect_refused(dir / "x.npy", "14 bins");
  // A malformed sidecar.
  std::ofstream(dir / "x.json") << "{\"beam\": \"parallel\"";
  expect_refused(dir / "x.npy", "JSON");
}

TEST(SinogramFile, WritingNeedsANpyName) {
  const fs::path dir = mirflow::test::scratch_dir("sino_name");
  EXPECT_THROW(write_sinogram(example(), dir / "x.raw"), InputError);
}
