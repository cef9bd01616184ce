// ir.fbp through the engine: phantom → physics.project → ir.fbp, compared with the library.
#include <gtest/gtest.h>

#include <fstream>

#include "mirflow_physics/fbp.hpp"
#include "mirflow_physics/phantom.hpp"
#include "mirflow_physics/projector.hpp"
#include "mirflow_physics/sinogram_file.hpp"
#include "mirflow_physics/units.hpp"
#include "physics_test_util.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::physics;
namespace fs = std::filesystem;

namespace {
double recorded_sum(const fs::path& p) {
  std::ifstream in(p);
  std::string key;
  double sum = 0;
  in >> key >> sum;
  EXPECT_TRUE(static_cast<bool>(in)) << "nothing recorded in " << p;
  return sum;
}

double pixel_sum(const Image& im) {
  double s = 0;
  for (std::int64_t i = 0; i < im.size(); ++i) s += im.data<float>()[i];
  return s;
}

std::string graph(const std::string& project_params, const std::string& fbp_params) {
  return R"([graph]
edges = ["phantom.image -> project.image", "project.sinogram -> fbp.sinogram", "project.sinogram -> sino.sinogram",
         "fbp.image -> rec.image"]
[[node]]
id = "phantom"
type = "physics.phantom"
nx = 127
[[node]]
id = "project"
type = "physics.project"
)" + project_params + R"(
[[node]]
id = "fbp"
type = "ir.fbp"
)" + fbp_params + R"(
[[node]]
id = "sino"
type = "physics.sinogram_write"
path = "sino.npy"
[[node]]
id = "rec"
type = "test.record"
path = "x"
)";
}
}  // namespace

TEST(IrFbp, ProjectThenFbpThroughTheEngine) {
  const fs::path dir = mirflow::test::scratch_dir("ir_fbp");
  mirflow::test::run_string(graph("views = 256", "filter = \"shepp-logan\""), dir, {"rec.path=" + (dir / "rec.txt").string()});
  const Sinogram s = read_sinogram(dir / "sino.npy");
  FbpOptions o;
  o.filter = FbpFilter::SheppLogan;
  const Image rec = fbp(s, o);
  EXPECT_NEAR(recorded_sum(dir / "rec.txt"), pixel_sum(rec), 1e-5 * std::abs(pixel_sum(rec)));
  const double p = ptest::psnr(shepp_logan(127, 127), rec, 1.0);
  std::printf("graph phantom → project → ir.fbp (127², 256 views, shepp-logan): PSNR %.2f dB\n", p);
  EXPECT_GT(p, 25.0);
}

TEST(IrFbp, FanBeamInHounsfieldUnitsOnAnotherGrid) {
  const fs::path dir = mirflow::test::scratch_dir("ir_fbp_fan");
  mirflow::test::run_string(graph("beam = \"fan\"\nviews = 300\nsource_to_isocenter = 300.0\nsource_to_detector = 600.0",
                                  "filter = \"hann\"\nunits = \"hu\"\nnx = 100\nny = 90\npixel_size = 1.2"),
                            dir, {"rec.path=" + (dir / "rec.txt").string()});
  const Sinogram s = read_sinogram(dir / "sino.npy");
  EXPECT_EQ(s.geometry.detector, DetectorShape::Arc);
  FbpOptions o;
  o.filter = FbpFilter::Hann;
  o.nx = 100, o.ny = 90, o.dx = o.dy = 1.2;
  const Image hu = mu_to_hu(fbp(s, o));
  EXPECT_EQ(hu.nx(), 100);
  EXPECT_NEAR(recorded_sum(dir / "rec.txt"), pixel_sum(hu), 1e-5 * std::abs(pixel_sum(hu)));
}

TEST(IrFbp, UnknownFilterIsAValidationError) {
  EXPECT_THROW(mirflow::test::validate_string(graph("", "filter = \"hamming2\""), "/tmp"), ValidationError);
}
