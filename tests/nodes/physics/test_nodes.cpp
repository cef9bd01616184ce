// The physics nodes through the engine: phantom → project → sinogram_write, sinogram_read →
// backproject, and the refusal of a sinogram without its sidecar before anything runs.
#include <gtest/gtest.h>

#include <fstream>

#include <mirflow/error.hpp>

#include "mirflow_physics/phantom.hpp"
#include "mirflow_physics/projector.hpp"
#include "mirflow_physics/sinogram_file.hpp"
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
}  // namespace

TEST(PhysicsNodes, ProjectWritesTheSinogramPairWithDefaults) {
  const fs::path dir = mirflow::test::scratch_dir("phys_nodes");
  mirflow::test::run_string(R"([graph]
edges = ["phantom.image -> project.image", "project.sinogram -> output.sinogram"]
[[node]]
id = "phantom"
type = "physics.phantom"
nx = 96
ny = 80
pixel_size = 0.5
[[node]]
id = "project"
type = "physics.project"
[[node]]
id = "output"
type = "physics.sinogram_write"
path = "out/sino.npy"
)",
                            dir);
  const Sinogram s = read_sinogram(dir / "out/sino.npy");
  const ProjectionGeometry& g = s.geometry;
  EXPECT_EQ(g.beam, Beam::Parallel);
  EXPECT_EQ(g.views(), 180);
  EXPECT_DOUBLE_EQ(g.angles_deg.back(), 179.0);
  EXPECT_EQ(g.bins, 125);  // ceil(√(96² + 80²)·0.5 / 0.5)
  EXPECT_DOUBLE_EQ(g.bin_spacing, 0.5);
  EXPECT_EQ(g.image_nx, 96);
  EXPECT_DOUBLE_EQ(g.pixel_dy, 0.5);
  // The node's sinogram is the library's projection of the same phantom.
  const Image ref = make_projector(g)->apply(shepp_logan(96, 80, 0.5, 0.5));
  for (std::int64_t i = 0; i < ref.size(); ++i) ASSERT_FLOAT_EQ(s.data.data<float>()[i], ref.data<float>()[i]);
}

TEST(PhysicsNodes, FanBeamParametersAndBackprojection) {
  const fs::path dir = mirflow::test::scratch_dir("phys_fan");
  mirflow::test::run_string(R"([graph]
edges = ["phantom.image -> project.image", "project.sinogram -> output.sinogram"]
[[node]]
id = "phantom"
type = "physics.phantom"
nx = 64
[[node]]
id = "project"
type = "physics.project"
beam = "fan"
detector = "flat"
views = 90
source_to_isocenter = 300.0
source_to_detector = 500.0
detector_offset = 1.5
bins = 99
i0 = 1e5
[[node]]
id = "output"
type = "physics.sinogram_write"
path = "{stem}.npy"
)",
                            dir);
  const Sinogram s = read_sinogram(dir / "shepp_logan.npy");
  EXPECT_EQ(s.geometry.beam, Beam::Fan);
  EXPECT_EQ(s.geometry.detector, DetectorShape::Flat);
  EXPECT_DOUBLE_EQ(s.geometry.angles_deg[1], 4.0);  // 90 views over 360°
  EXPECT_EQ(s.geometry.bins, 99);
  EXPECT_DOUBLE_EQ(*s.geometry.i0, 1e5);

  mirflow::test::run_string(R"([graph]
edges = ["input.sinogram -> bp.sinogram", "bp.image -> rec.image"]
[[node]]
id = "input"
type = "physics.sinogram_read"
path = "shepp_*.npy"
[[node]]
id = "bp"
type = "physics.backproject"
[[node]]
id = "rec"
type = "test.record"
path = "x"
)",
                            dir, {"rec.path=" + (dir / "bp.txt").string()});
  const Image bp = make_projector(s.geometry)->adjoint(s.data);
  double sum = 0;
  for (std::int64_t i = 0; i < bp.size(); ++i) sum += bp.data<float>()[i];
  EXPECT_NEAR(recorded_sum(dir / "bp.txt"), sum, 1e-5 * std::abs(sum));
}

TEST(PhysicsNodes, SinogramWithoutSidecarStopsTheRunBeforeWork) {
  const fs::path dir = mirflow::test::scratch_dir("phys_nosidecar");
  ProjectionGeometry g;
  g.angles_deg = angle_span(0, 180, 4);
  g.image_nx = g.image_ny = 8;
  g.bins = 12;
  write_sinogram({g.sinogram_space().allocate(), g}, dir / "lonely.npy");
  fs::remove(dir / "lonely.json");
  const std::string graph = R"([graph]
edges = ["input.sinogram -> bp.sinogram", "bp.image -> rec.image"]
[[node]]
id = "input"
type = "physics.sinogram_read"
path = "lonely.npy"
[[node]]
id = "bp"
type = "physics.backproject"
[[node]]
id = "rec"
type = "test.record"
path = "x"
)";
  try {
    mirflow::test::run_string(graph, dir, {"rec.path=" + (dir / "r.txt").string()});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("lonely.json"), std::string::npos) << e.what();
  }
}

TEST(PhysicsNodes, PortTypesAreChecked) {
  // An image cannot feed a sinogram input.
  EXPECT_THROW(mirflow::test::validate_string(R"([graph]
edges = ["phantom.image -> bp.sinogram"]
[[node]]
id = "phantom"
type = "physics.phantom"
[[node]]
id = "bp"
type = "physics.backproject"
)",
                                              "/tmp"),
               ValidationError);
}
