// Projection geometry: defaults, validation, the JSON sidecar.
#include <gtest/gtest.h>

#include <cmath>

#include <mirflow/error.hpp>

#include "mirflow_physics/projection_geometry.hpp"

using namespace mirflow;
using namespace mirflow::physics;

namespace {
ProjectionGeometry parallel(std::int64_t nx, std::int64_t ny) {
  ProjectionGeometry g;
  g.angles_deg = angle_span(0, 180, 180);
  g.image_nx = nx, g.image_ny = ny;
  g.bin_spacing = default_bin_spacing(g);
  g.bins = default_bins(g);
  return g;
}
}  // namespace

TEST(ProjectionGeometry, ParallelDefaultsCoverTheDiagonal) {
  ProjectionGeometry g = parallel(256, 256);
  EXPECT_EQ(g.bins, 363);  // ceil(256·√2) = ceil(362.04)
  EXPECT_DOUBLE_EQ(g.bin_spacing, 1.0);
  EXPECT_DOUBLE_EQ(g.angles_deg[1], 1.0);
  EXPECT_DOUBLE_EQ(g.bin_position(181), 0.0);
  EXPECT_DOUBLE_EQ(g.bin_index(0.0), 181.0);
  g.detector_offset = 2.5;
  EXPECT_DOUBLE_EQ(g.bin_index(0.0), 178.5);  // the isocentre lands at (bins−1)/2 − offset/spacing
}

TEST(ProjectionGeometry, FanDefaultsSeeTheWholeImage) {
  ProjectionGeometry g;
  g.beam = Beam::Fan;
  g.angles_deg = angle_span(0, 360, 360);
  g.image_nx = g.image_ny = 200;
  g.source_to_isocenter = 400, g.source_to_detector = 800;
  g.detector = DetectorShape::Arc;
  g.bin_spacing = default_bin_spacing(g);
  EXPECT_DOUBLE_EQ(g.bin_spacing, 2.0);
  g.bins = default_bins(g);
  const double gamma = std::asin(g.image_radius() / 400.0);
  EXPECT_GE(std::abs(g.fan_angle(0)), gamma);
  EXPECT_LE(std::abs(g.fan_angle(0)), gamma + 2.0 * 2.0 / 800.0);
  EXPECT_NO_THROW(g.validate());
}

TEST(ProjectionGeometry, ValidationNamesTheProblem) {
  ProjectionGeometry g = parallel(64, 64);
  g.bins = 0;
  EXPECT_THROW(g.validate(), InputError);
  g = parallel(64, 64);
  g.beam = Beam::Fan;
  g.source_to_isocenter = 40, g.source_to_detector = 80;  // source inside the image circle (r = 45)
  try {
    g.validate("here");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("here"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("inside the image"), std::string::npos) << e.what();
  }
}

TEST(ProjectionGeometry, JsonRoundTrip) {
  ProjectionGeometry g;
  g.beam = Beam::Fan;
  g.angles_deg = {0.0, 1.25, 2.5, 7.0};
  g.bins = 31;
  g.bin_spacing = 1.7;
  g.detector_offset = -0.85;
  g.source_to_isocenter = 541, g.source_to_detector = 949;
  g.detector = DetectorShape::Flat;
  g.image_nx = 30, g.image_ny = 20;
  g.pixel_dx = 0.7, g.pixel_dy = 1.3;
  g.i0 = 1e5;
  const std::string text = g.to_json();
  EXPECT_EQ(ProjectionGeometry::from_json(text, "x.json"), g);
  g.i0.reset();
  EXPECT_EQ(ProjectionGeometry::from_json(g.to_json(), "x.json"), g);
}

TEST(ProjectionGeometry, JsonAcceptsAnAngleRangeAndRefusesNonsense) {
  const std::string text = R"({"beam": "parallel", "angles_deg": {"start": 10, "step": 0.5, "count": 4},
    "detector": {"bins": 5, "bin_spacing_mm": 1}, "image": {"nx": 4, "ny": 4, "pixel_size_mm": 1}})";
  ProjectionGeometry g = ProjectionGeometry::from_json(text, "a.json");
  ASSERT_EQ(g.views(), 4);
  EXPECT_DOUBLE_EQ(g.angles_deg[3], 11.5);
  EXPECT_THROW(ProjectionGeometry::from_json("{not json", "b.json"), InputError);
  EXPECT_THROW(ProjectionGeometry::from_json(R"({"beam": "cone"})", "c.json"), InputError);
  try {
    ProjectionGeometry::from_json(R"({"beam": "parallel", "angles_deg": [0], "image": {"nx": 4, "ny": 4, "pixel_size_mm": 1}})", "d.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("d.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("detector"), std::string::npos) << e.what();
  }
}
