// Filtered back-projection: scikit-image's iradon on the same sinogram, fan-beam reconstructions,
// and the filters' frequency responses.
//
// skimage conventions (skimage.transform.radon/iradon, 0.19): the sinogram is (bins, views), the
// rotation centre is bin bins//2 and pixel (n//2, n//2), and the detector coordinate of pixel
// (row, col) at angle θ is t = (col − c)·cos θ − (row − c)·sin θ. Ours is u = x·cos θ + y·sin θ with
// x = col − (n−1)/2, y = row − (n−1)/2. Hence: skimage theta = −(our angles), sinogram transposed;
// the centres agree for odd n (odd image size and odd bin count).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include <mirflow/error.hpp>

#include "disk.hpp"
#include "mirflow_physics/fbp.hpp"
#include "mirflow_physics/phantom.hpp"
#include "mirflow_physics/projector.hpp"
#include "physics_test_util.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::physics;
namespace fs = std::filesystem;

namespace {

ProjectionGeometry parallel(std::int64_t n, std::int64_t views, double range = 180.0) {
  ProjectionGeometry g;
  g.angles_deg = angle_span(0.0, range, views);
  g.image_nx = g.image_ny = n;
  g.bin_spacing = 1.0;
  g.bins = default_bins(g);
  return g;
}

ProjectionGeometry fan(std::int64_t n, DetectorShape det, std::int64_t views, double range) {
  ProjectionGeometry g;
  g.beam = Beam::Fan;
  g.detector = det;
  g.angles_deg = angle_span(0.0, range, views);
  g.image_nx = g.image_ny = n;
  g.source_to_isocenter = 400.0, g.source_to_detector = 700.0;
  g.bin_spacing = default_bin_spacing(g);
  g.bins = default_bins(g);
  return g;
}

Sinogram project(const Image& image, const ProjectionGeometry& g) { return {make_projector(g)->apply(image), g}; }

// skimage iradon of our sinogram (raw float32, views × bins) with each filter → its PSNRs
// against the phantom (one Python run).
std::vector<double> skimage_psnrs(const Sinogram& s, const Image& phantom, const std::vector<std::string>& filters,
                                  const fs::path& dir) {
  ptest::write_raw(dir / "sino.raw", s.data);
  std::ostringstream theta;
  theta << "np.linspace(0, " << s.geometry.angles_deg.back() << ", " << s.geometry.views() << ")";
  std::string names;
  for (const auto& f : filters) names += "'" + f + "',";
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np; from skimage.transform import iradon; d='" + dir.string() +
                          "/'; s=np.fromfile(d+'sino.raw',dtype=np.float32).reshape(" + std::to_string(s.geometry.views()) + "," +
                          std::to_string(s.geometry.bins) + ").T.astype(np.float64); " +
                          "[iradon(s, theta=-" + theta.str() + ", output_size=" + std::to_string(phantom.nx()) +
                          ", filter_name=f, circle=False).astype(np.float32).tofile(d+f+'.raw') for f in (" + names + ")]\"";
  std::string log;
  EXPECT_EQ(mirflow::test::run_command(cmd, &log), 0) << log;
  std::vector<double> out;
  for (const auto& f : filters) out.push_back(ptest::psnr(phantom, ptest::read_raw(dir / (f + ".raw"), phantom.nx(), phantom.ny()), 1.0));
  return out;
}

}  // namespace

TEST(Fbp, FilterResponsesMatchSkimage) {
  if (!mirflow::test::python_has("skimage.transform")) GTEST_SKIP() << "/usr/bin/python3 with scikit-image is not available";
  const fs::path dir = mirflow::test::scratch_dir("fbp_filters");
  const std::int64_t P = fbp_padded_length(181);
  ASSERT_EQ(P, 512);
  const char* names[] = {"ramp", "shepp-logan", "cosine", "hann"};
  const std::string cmd = "/usr/bin/python3 -c \"from skimage.transform.radon_transform import _get_fourier_filter as f; import numpy as np; "
                          "np.concatenate([f(512, n)[:257, 0] for n in ('ramp', 'shepp-logan', 'cosine', 'hann')]).astype(np.float64)"
                          ".tofile('" + (dir / "f.raw").string() + "')\"";
  std::string log;
  ASSERT_EQ(mirflow::test::run_command(cmd, &log), 0) << log;
  std::vector<double> ref(4 * 257);
  std::ifstream(dir / "f.raw", std::ios::binary).read(reinterpret_cast<char*>(ref.data()), 4 * 257 * 8);
  for (int f = 0; f < 4; ++f) {
    const auto ours = fbp_frequency_response(P, fbp_filter_from_name(names[f]));
    double err = 0;
    // skimage's filter is 2× ours (its final factor is π/2N, ours π/N).
    for (std::size_t k = 0; k < 257; ++k) err = std::max(err, std::abs(2.0 * ours[k] - ref[std::size_t(f) * 257 + k]));
    // hann: skimage's np.hanning(P) has P−1 in its denominator, ours is ½(1 + cos 2πf): 3e-3 apart.
    EXPECT_LT(err, std::string(names[f]) == "hann" ? 5e-3 : 1e-6) << names[f];
  }
}

// The same noiseless sinogram of the modified Shepp–Logan phantom (255², 360 views over 180°,
// 361 bins) reconstructed by ours and by skimage's iradon: ours must be at most 0.5 dB below
// skimage's and above a floor per filter (PSNR with peak 1 over the whole image).
TEST(Fbp, ParallelSheppLoganAgainstSkimage) {
  if (!mirflow::test::python_has("skimage.transform")) GTEST_SKIP() << "/usr/bin/python3 with scikit-image is not available";
  const fs::path dir = mirflow::test::scratch_dir("fbp_parallel");
  const Image phantom = shepp_logan(255, 255);
  const Sinogram s = project(phantom, parallel(255, 360));
  ASSERT_EQ(s.geometry.bins, 361);
  const std::vector<std::string> filters = {"ramp", "shepp-logan", "cosine", "hann"};
  const double floor_db[] = {32.5, 31.0, 29.0, 27.5};
  const std::vector<double> theirs = skimage_psnrs(s, phantom, filters, dir);
  for (std::size_t f = 0; f < filters.size(); ++f) {
    FbpOptions o;
    o.filter = fbp_filter_from_name(filters[f]);
    const double ours = ptest::psnr(phantom, fbp(s, o), 1.0);
    std::printf("parallel FBP %-12s PSNR ours %.2f dB, skimage iradon %.2f dB\n", filters[f].c_str(), ours, theirs[f]);
    EXPECT_GE(ours, theirs[f] - 0.5) << filters[f];
    EXPECT_GT(ours, floor_db[f]) << filters[f];
  }
}

// Odd/even sizes, anisotropic pixels, a detector offset, a reconstruction grid other than the
// sinogram's: still the phantom (absolute threshold).
TEST(Fbp, ParallelOffsetsAndAnisotropicPixels) {
  const Image phantom = shepp_logan(160, 200, 1.0, 0.8);
  ProjectionGeometry g;
  g.angles_deg = angle_span(10.0, 360.0, 400);
  g.image_nx = 160, g.image_ny = 200, g.pixel_dx = 1.0, g.pixel_dy = 0.8;
  g.bin_spacing = 0.9, g.detector_offset = 6.3;
  g.bins = default_bins(g) + 14;
  const Sinogram s = project(phantom, g);
  const double p = ptest::psnr(phantom, fbp(s), 1.0);
  std::printf("parallel FBP, 160×200 pixels 1.0×0.8 mm, offset 6.3 mm, 360°: PSNR %.2f dB\n", p);
  EXPECT_GT(p, 26.0);
}

// Fan beam (D_so 400 mm, D_sd 700 mm, 255² phantom), arc and flat detectors: a full scan (360
// views over 360°) and a Parker short scan (180° + fan angle, 0.5° steps). Floors: 32 dB.
TEST(Fbp, FanBeamSheppLogan) {
  const Image phantom = shepp_logan(255, 255);
  for (DetectorShape det : {DetectorShape::Arc, DetectorShape::Flat}) {
    const double pf = ptest::psnr(phantom, fbp(project(phantom, fan(255, det, 360, 360.0))), 1.0);
    ProjectionGeometry g = fan(255, det, 1, 360.0);
    const double fan_deg = 2.0 * std::abs(g.fan_angle(0)) * 180.0 / std::numbers::pi;
    const double step = 0.5;
    const auto views = static_cast<std::int64_t>(std::ceil((180.0 + fan_deg) / step)) + 1;
    g.angles_deg = angle_list(0.0, step, views);
    const double ps = ptest::psnr(phantom, fbp(project(phantom, g)), 1.0);
    std::printf("fan FBP %s: full scan PSNR %.2f dB; short scan (%.1f°, Parker) PSNR %.2f dB\n", detector_shape_name(det), pf,
                step * double(views - 1), ps);
    EXPECT_GT(pf, 32.0) << detector_shape_name(det);
    EXPECT_GT(ps, 32.0) << detector_shape_name(det);
  }
}

// Parker weights follow the direction of rotation: a short scan with decreasing angles (and one
// starting elsewhere) reconstructs as well as the increasing one.
TEST(Fbp, FanBeamShortScanEitherDirection) {
  const Image phantom = shepp_logan(127, 127);
  ProjectionGeometry g = fan(127, DetectorShape::Arc, 1, 360.0);
  const double fan_deg = 2.0 * std::abs(g.fan_angle(0)) * 180.0 / std::numbers::pi;
  const auto views = static_cast<std::int64_t>(std::ceil(180.0 + fan_deg)) + 1;
  g.angles_deg = angle_list(37.0, 1.0, views);
  const double up = ptest::psnr(phantom, fbp(project(phantom, g)), 1.0);
  g.angles_deg = angle_list(37.0, -1.0, views);
  const double down = ptest::psnr(phantom, fbp(project(phantom, g)), 1.0);
  std::printf("fan short scan 127²: increasing angles %.2f dB, decreasing %.2f dB\n", up, down);
  EXPECT_GT(up, 28.0);
  EXPECT_NEAR(down, up, 0.3);
}

// The vectorised parallel-beam kernel (permutes for |b| ≤ 1, gathers for a detector finer than
// the pixels) agrees with the scalar loop.
TEST(Fbp, VectorisedAndScalarBackProjectionAgree) {
  const Image phantom = shepp_logan(101, 90);
  for (double spacing : {1.0, 0.6}) {
    ProjectionGeometry g = parallel(101, 120);
    g.image_ny = 90;
    g.bin_spacing = spacing;
    g.bins = default_bins(g);
    const Sinogram s = project(phantom, g);
    FbpOptions o;
    const Image a = fbp(s, o);
    o.vectorized = false;
    const Image b = fbp(s, o);
    double err = 0, peak = 0;
    for (std::int64_t i = 0; i < a.size(); ++i) {
      err = std::max(err, double(std::abs(a.data<float>()[i] - b.data<float>()[i])));
      peak = std::max(peak, double(std::abs(b.data<float>()[i])));
    }
    EXPECT_LT(err, 1e-5 * peak) << "bin spacing " << spacing;
  }
}

TEST(Fbp, FanBeamTooShortAScanIsRefused) {
  ProjectionGeometry g = fan(101, DetectorShape::Arc, 180, 180.0);
  Sinogram s{g.sinogram_space().allocate(), g};
  EXPECT_THROW(fbp(s), InputError);
}

// A uniform disk of µ = 0.02 /mm: FBP gives the value back inside (mean over r < 0.8 R within 1%).
TEST(Fbp, UniformDiskValue) {
  for (Beam beam : {Beam::Parallel, Beam::Fan}) {
    ProjectionGeometry g = beam == Beam::Parallel ? parallel(129, 256) : fan(129, DetectorShape::Flat, 360, 360.0);
    const Space space = g.image_space();
    Image disk = ptest::disk_image(space, 0.0, 0.0, 40.0);
    for (std::int64_t i = 0; i < disk.size(); ++i) disk.data<float>()[i] *= 0.02f;
    const Image rec = fbp(project(disk, g));
    double sum = 0;
    int n = 0;
    for (std::int64_t j = 0; j < 129; ++j)
      for (std::int64_t i = 0; i < 129; ++i)
        if (std::hypot(double(i) - 64, double(j) - 64) < 32) sum += rec.at<float>(i, j), ++n;
    EXPECT_NEAR(sum / n, 0.02, 0.0002) << beam_name(beam);
  }
}
