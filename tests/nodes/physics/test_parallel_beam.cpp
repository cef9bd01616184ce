// Parallel-beam projector: exact adjoint, analytic chord lengths, the angle and offset conventions.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include <tbb/global_control.h>

#include "disk.hpp"
#include "mirflow_physics/parallel_beam.hpp"
#include "physics_test_util.hpp"

using namespace mirflow;
using namespace mirflow::physics;

namespace {
struct Case {
  std::int64_t nx, ny;
  double dx, dy;
  std::int64_t views;
  double start, range;
  std::int64_t bins;
  double spacing, offset;
};

ProjectionGeometry make(const Case& c) {
  ProjectionGeometry g;
  g.angles_deg = angle_span(c.start, c.range, c.views);
  g.image_nx = c.nx, g.image_ny = c.ny, g.pixel_dx = c.dx, g.pixel_dy = c.dy;
  g.bins = c.bins, g.bin_spacing = c.spacing, g.detector_offset = c.offset;
  return g;
}
}  // namespace

TEST(ParallelBeam, AdjointIsExact) {
  const Case cases[] = {
      {31, 31, 1.0, 1.0, 37, 0.0, 180.0, 45, 1.0, 0.0},      // odd, square
      {40, 27, 0.7, 1.3, 50, 3.7, 360.0, 61, 0.9, 2.3},      // non-square, anisotropic, offset
      {17, 64, 1.5, 0.5, 13, -20.0, 180.0, 23, 1.1, -4.4},   // tall, coarse detector
      {33, 20, 1.0, 1.0, 8, 0.0, 360.0, 40, 0.5, 0.25},      // exact 0/45/90/135°… (ties in the stepping axis)
      {9, 12, 2.0, 0.25, 7, 11.0, 97.0, 5, 3.0, 7.0},        // tiny detector shifted off the image
  };
  double worst = 0;
  for (const Case& c : cases) {
    ParallelBeamProjector A(make(c));
    const double e = ptest::adjoint_mismatch(A, 7);
    worst = std::max(worst, e);
    EXPECT_LT(e, 1e-5) << c.nx << "×" << c.ny << " views " << c.views;
  }
  std::printf("parallel beam: worst adjoint mismatch %.3g\n", worst);
}

TEST(ParallelBeam, ResultsDoNotDependOnThreads) {
  ParallelBeamProjector A(make({64, 48, 1.0, 1.0, 90, 0.0, 180.0, 81, 1.0, 0.0}));
  const Image x = ptest::random_image(A.domain(), 2), y = ptest::random_image(A.range(), 3);
  Image f1, b1, f2, b2;
  {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    f1 = A.apply(x), b1 = A.adjoint(y);
  }
  {
    tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
    f2 = A.apply(x), b2 = A.adjoint(y);
  }
  for (std::int64_t i = 0; i < f1.size(); ++i) ASSERT_EQ(f1.data<float>()[i], f2.data<float>()[i]);
  for (std::int64_t i = 0; i < b1.size(); ++i) ASSERT_EQ(b1.data<float>()[i], b2.data<float>()[i]);
}

// A uniform disk of radius R = 40 mm: every ray at distance s from its centre crosses
// 2·√(R² − s²). The disk is rasterised with 8×8 sub-pixels on 0.5 × 0.4 mm pixels. Joseph's
// interpolation errs by a fraction of a pixel where an oblique ray crosses the edge (first order
// in the pixel size: 0.19, 0.10, 0.06 mm for 1, 0.5, 0.25 mm pixels), so the tolerance over the
// bins with |s| < 0.9 R is 0.4 pixel (0.2 mm) at worst, 0.04 mm for the mean |error|, and the
// errors must not be biased (|mean error| < 0.01 mm).
TEST(ParallelBeam, DiskChordLengths) {
  const double R = 40.0, cx = 3.1, cy = -4.7;
  ProjectionGeometry g;
  g.image_nx = 200, g.image_ny = 240, g.pixel_dx = 0.5, g.pixel_dy = 0.4;
  g.angles_deg = angle_span(7.0, 180.0, 12);
  g.bins = 171, g.bin_spacing = 0.6, g.detector_offset = 1.3;
  ParallelBeamProjector A(g);
  const Image sino = A.apply(ptest::disk_image(A.domain(), cx, cy, R));
  double worst = 0, sum = 0, bias = 0;
  int checked = 0;
  for (std::int64_t v = 0; v < g.views(); ++v) {
    const double t = g.angles_deg[std::size_t(v)] * std::numbers::pi / 180.0;
    const double sc = cx * std::cos(t) + cy * std::sin(t);
    for (std::int64_t k = 0; k < g.bins; ++k) {
      const double s = g.bin_position(double(k)) - sc;
      if (std::abs(s) >= 0.9 * R) continue;
      const double e = sino.at<float>(k, v) - 2.0 * std::sqrt(R * R - s * s), err = std::abs(e);
      bias += e;
      worst = std::max(worst, err);
      sum += err;
      ++checked;
    }
  }
  std::printf("parallel beam disk: %d bins, |chord error| worst %.4f mm, mean %.4f mm, bias %.4f mm (chords up to %.0f mm)\n", checked,
              worst, sum / checked, bias / checked, 2 * R);
  EXPECT_GT(checked, 1000);
  EXPECT_LT(worst, 0.2);
  EXPECT_LT(sum / checked, 0.04);
  EXPECT_LT(std::abs(bias / checked), 0.01);
}

// Conventions (docs/geometry.md): a small blob at (x, y) lands at u = x·cos θ + y·sin θ, and the
// detector offset moves the isocentre's projection to bin (bins−1)/2 − offset/spacing.
TEST(ParallelBeam, AngleAndOffsetConventions) {
  ProjectionGeometry g;
  g.image_nx = 101, g.image_ny = 101;
  g.angles_deg = {0.0, 30.0, 90.0, 135.0, 210.0};
  g.bins = 151, g.bin_spacing = 1.0, g.detector_offset = 3.5;
  ParallelBeamProjector A(g);
  const double bx = 20.0, by = -12.0;
  const Image sino = A.apply(ptest::disk_image(A.domain(), bx, by, 2.5));
  for (std::int64_t v = 0; v < g.views(); ++v) {
    const double t = g.angles_deg[std::size_t(v)] * std::numbers::pi / 180.0;
    const double u = bx * std::cos(t) + by * std::sin(t);
    EXPECT_NEAR(ptest::centroid(sino, v), g.bin_index(u), 0.05) << "view " << g.angles_deg[std::size_t(v)];
  }
  const Image centred = A.apply(ptest::disk_image(A.domain(), 0, 0, 2.5));
  for (std::int64_t v = 0; v < g.views(); ++v) EXPECT_NEAR(ptest::centroid(centred, v), 75.0 - 3.5, 0.02);
}

TEST(ParallelBeam, RaysAreTheDocumentedLines) {
  ProjectionGeometry g;
  g.image_nx = g.image_ny = 8;
  g.angles_deg = {0.0, 90.0};
  g.bins = 5, g.bin_spacing = 2.0, g.detector_offset = 0.5;
  ParallelBeamProjector A(g);
  Ray r = A.ray(0, 4);  // θ = 0: along +y at x = u_4 = 0.5 + 2·2
  EXPECT_NEAR(r.px, 4.5, 1e-12);
  EXPECT_NEAR(r.ux, 0.0, 1e-12);
  EXPECT_NEAR(r.uy, 1.0, 1e-12);
  r = A.ray(1, 4);  // θ = 90°: along −x at y = 4.5
  EXPECT_NEAR(r.py, 4.5, 1e-12);
  EXPECT_NEAR(r.ux, -1.0, 1e-12);
}

// Regression: at 0° on an even grid the Joseph step coordinate lands a rounding error below n,
// where a fast floor rounded up and touched pixel n (out of bounds). With bins on the pixel
// columns, the 0° projection is exactly the column sums times dy; the adjoint is exact there too.
TEST(ParallelBeam, ZeroDegreeViewStaysInsideTheImage) {
  ProjectionGeometry g = make({32, 32, 1.0, 1.0, 1, 0.0, 180.0, 32, 1.0, 0.0});
  ParallelBeamProjector A(g);
  Image x = Image::allocate2d(DType::F32, 32, 32);
  for (std::int64_t y = 0; y < 32; ++y)
    for (std::int64_t i = 0; i < 32; ++i) x.at<float>(i, y) = static_cast<float>(1 + ((i * 7 + y * 3) % 11));
  const Image p1 = A.apply(x), p2 = A.apply(x);
  for (std::int64_t k = 0; k < 32; ++k) {
    double col = 0;
    for (std::int64_t y = 0; y < 32; ++y) col += x.at<float>(k, y);
    EXPECT_NEAR(p1.at<float>(k, 0), col, 1e-3 * col) << "bin " << k;
    EXPECT_EQ(p1.at<float>(k, 0), p2.at<float>(k, 0));
  }
  EXPECT_LT(ptest::adjoint_mismatch(A, 3), 1e-5);
  // The geometry where the overrun was seen (60 views from 0°, 46 bins): repeated projections
  // must agree bit for bit (an out-of-bounds read made them differ).
  ParallelBeamProjector B(make({32, 32, 1.0, 1.0, 60, 0.0, 180.0, 46, 1.0, 0.0}));
  const Image q1 = B.apply(x), q2 = B.apply(B.adjoint(B.apply(x))), q3 = B.apply(x);
  for (std::int64_t i = 0; i < q1.size(); ++i) ASSERT_EQ(q1.data<float>()[i], q3.data<float>()[i]) << i;
}

// Images with at most 16 nonzero pixels take the forward projector's sparse path (each ray looks
// only at those pixels); every ray must still equal its line integral walked step by step
// (joseph_line_integral), as the dense path's do: 0, 1, 5 and 16 nonzeros (sparse), 17 (dense),
// in a parallel and a fan geometry with anisotropic pixels, including pixels on the border.
TEST(ParallelBeam, SparseImagesProjectLikeDenseOnes) {
  ProjectionGeometry fan = make({40, 27, 0.7, 1.3, 41, 5.0, 360.0, 47, 1.9, 3.1});
  fan.beam = Beam::Fan;
  fan.source_to_isocenter = 45.0, fan.source_to_detector = 90.0;
  for (const ProjectionGeometry& g : {make({40, 27, 0.7, 1.3, 50, 3.7, 360.0, 61, 0.9, 2.3}), fan}) {
    const auto A = make_projector(g);
    const Space s = A->domain();
    for (const int count : {0, 1, 5, 16, 17}) {
      Image x = s.allocate();
      std::mt19937 rng{static_cast<std::uint32_t>(count)};
      std::uniform_int_distribution<std::int64_t> pixel(0, s.size() - 1);
      std::uniform_real_distribution<float> value(-2.f, 2.f);
      x.data<float>()[0] = count > 0 ? 1.5f : 0.f;  // a corner pixel
      for (int i = 1; i < count; ++i) x.data<float>()[pixel(rng)] = value(rng);
      const Image y = A->apply(x);
      double worst = 0, scale = 1e-30;
      for (std::int64_t v = 0; v < g.views(); ++v)
        for (std::int64_t k = 0; k < g.bins; ++k) {
          const double ref = joseph_line_integral(x, s, A->ray(v, k));
          worst = std::max(worst, std::abs(double(y.data<float>()[v * g.bins + k]) - ref));
          scale = std::max(scale, std::abs(ref));
        }
      EXPECT_LE(worst, 1e-6 * scale) << beam_name(g.beam) << " beam, " << count << " nonzero pixels";
    }
  }
}
