// nifti_format: round trips (.nii and .nii.gz, every dtype, geometry with a rotated and
// flipped direction and anisotropic spacing), scaling, metadata, errors, and nibabel as the
// independent reference (ch2.nii.gz read identically; nibabel reads what we write).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "expect_input_error.hpp"
#include "io_test_util.hpp"
#include "nifti_format.hpp"

using namespace mirflow;
using namespace mirflow::io;
using namespace mirflow::io::test;

namespace {

const char* kCh2 = "/usr/share/mricron/templates/ch2.nii.gz";

// An oblique, left-handed direction (30° about z after 20° about x, z flipped) and
// anisotropic spacing: nothing axis-aligned, determinant -1.
Geometry test_geometry() {
  Geometry g;
  const double cz = std::cos(M_PI / 6), sz = std::sin(M_PI / 6), cx = std::cos(M_PI / 9), sx = std::sin(M_PI / 9);
  // Rz · Rx · diag(1, 1, -1), row-major.
  g.direction = {cz, -sz * cx, -sz * sx,  //
                 sz, cz * cx,  cz * sx,   //
                 0,  sx,       -cx};
  g.spacing = {0.7, 1.3, 2.5};
  g.origin = {-10.5, 20.25, 3.0};
  return g;
}

// The x axis flipped after 30° about z: the qform's rotation is close to 180°, where it loses
// precision, so only the sform can carry it exactly (and the reader uses the sform).
Geometry flipped_x_geometry() {
  Geometry g;
  const double c = std::cos(M_PI / 6), s = std::sin(M_PI / 6);
  g.direction = {-c, -s, 0, -s, c, 0, 0, 0, 1};
  g.spacing = {0.9, 0.9, 3.0};
  g.origin = {100.0, -50.0, 7.5};
  return g;
}

void expect_geometry_near(const Geometry& a, const Geometry& b, double tol = 1e-5) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(a.spacing[i], b.spacing[i], tol) << "spacing " << i;
    EXPECT_NEAR(a.origin[i], b.origin[i], tol) << "origin " << i;
  }
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(a.direction[i], b.direction[i], tol) << "direction " << i;
}

}  // namespace

TEST(IoNiftiFormat, RoundTripEveryDtypeNiiAndNiiGz) {
  Scratch dir("nifti-rt");
  unsigned seed = 50;
  for (const char* ext : {".nii", ".nii.gz"})
    for (DType t : all_dtypes()) {
      Image im = random_image(t, {9, 7, 5}, 3, seed++);
      im.geometry() = test_geometry();
      const auto file = dir / (std::string(dtype_name(t)) + ext);
      write_nifti(im, file, std::string(ext) == ".nii.gz");
      Image back = read_nifti(file);
      EXPECT_TRUE(same_pixels(im, back)) << file;
      expect_geometry_near(back.geometry(), im.geometry());
      EXPECT_EQ(back.metadata().at("nifti.scaling_applied"), "false");
      EXPECT_EQ(back.metadata().at("nifti.sform_code"), "1");
      EXPECT_EQ(back.metadata().at("nifti.qform_code"), "1");
    }
  // The .gz really is gzip, the .nii not.
  EXPECT_EQ(read_file(dir / "uint8.nii.gz").substr(0, 2), "\x1f\x8b");
  EXPECT_EQ(read_file(dir / "uint8.nii").substr(344, 4), std::string("n+1\0", 4));
}

TEST(IoNiftiFormat, RoundTrip2DAndQformOnlyGeometry) {
  Scratch dir("nifti-2d");
  Image im = random_image(DType::F32, {11, 6, 1}, 2, 3);
  im.geometry() = test_geometry();
  write_nifti(im, dir / "a.nii", false);
  Image back = read_nifti(dir / "a.nii");
  EXPECT_EQ(back.ndim(), 2);
  EXPECT_TRUE(same_pixels(im, back));
  expect_geometry_near(back.geometry(), im.geometry());
  im.geometry() = flipped_x_geometry();
  write_nifti(im, dir / "flip.nii", false);
  expect_geometry_near(read_nifti(dir / "flip.nii").geometry(), im.geometry());
  im.geometry() = test_geometry();
  // Transform codes come from metadata when set (the qform alone is checked through nibabel
  // in NibabelReadsWhatWeWrite).
  im.metadata()["nifti.sform_code"] = "4";
  im.metadata()["nifti.qform_code"] = "2";
  write_nifti(im, dir / "b.nii.gz", true);
  Image b = read_nifti(dir / "b.nii.gz");
  EXPECT_EQ(b.metadata().at("nifti.sform_code"), "4");
  EXPECT_EQ(b.metadata().at("nifti.qform_code"), "2");
  expect_geometry_near(b.geometry(), im.geometry());
}

TEST(IoNiftiFormat, MetadataRoundTrips) {
  Scratch dir("nifti-meta");
  Image im = random_image(DType::I16, {4, 3, 2}, 3, 8);
  im.metadata() = {{"nifti.descrip", "mirflow test volume"},
                   {"nifti.intent_code", "2"},
                   {"nifti.intent_name", "corr"},
                   {"nifti.intent_p1", "12.5"},
                   {"nifti.xyzt_units", "10"},
                   {"other.key", "ignored"}};
  write_nifti(im, dir / "m.nii", false);
  const Metadata md = read_nifti(dir / "m.nii").metadata();
  EXPECT_EQ(md.at("nifti.descrip"), "mirflow test volume");
  EXPECT_EQ(md.at("nifti.intent_code"), "2");
  EXPECT_EQ(md.at("nifti.intent_name"), "corr");
  EXPECT_EQ(md.at("nifti.intent_p1"), "12.5");
  EXPECT_EQ(md.at("nifti.xyzt_units"), "10");  // mm + s
  EXPECT_EQ(md.count("other.key"), 0u);
}

TEST(IoNiftiFormat, ScalingAppliedOrKept) {
  Scratch dir("nifti-scale");
  Image im = random_image(DType::I16, {5, 4, 3}, 3, 9);
  im.metadata() = {{"nifti.scl_slope", "0.5"}, {"nifti.scl_inter", "-3"}, {"nifti.scaling_applied", "false"}};
  write_nifti(im, dir / "s.nii", false);
  Image raw = read_nifti(dir / "s.nii", false);
  EXPECT_TRUE(same_pixels(im, raw));
  EXPECT_EQ(raw.metadata().at("nifti.scl_slope"), "0.5");
  EXPECT_EQ(raw.metadata().at("nifti.scaling_applied"), "false");
  Image scaled = read_nifti(dir / "s.nii", true);
  ASSERT_EQ(scaled.dtype(), DType::F32);
  EXPECT_EQ(scaled.shape(), im.shape());
  EXPECT_EQ(scaled.metadata().at("nifti.scaling_applied"), "true");
  for (std::int64_t i = 0; i < im.size(); ++i)
    ASSERT_EQ(scaled.data<float>()[i], static_cast<float>(im.data<std::int16_t>()[i] * 0.5 - 3.0)) << i;
  // Writing the scaled image does not scale it a second time.
  write_nifti(scaled, dir / "t.nii", false);
  Image again = read_nifti(dir / "t.nii");
  EXPECT_TRUE(same_pixels(scaled, again));
  EXPECT_EQ(again.metadata().at("nifti.scl_slope"), "0");
}

TEST(IoNiftiFormat, ErrorsNameTheFileAndTheReason) {
  Scratch dir("nifti-err");
  Image im = random_image(DType::F32, {16, 16, 8}, 3, 1);
  write_nifti(im, dir / "good.nii", false);
  write_nifti(im, dir / "good.nii.gz", true);
  const std::size_t size = read_file(dir / "good.nii").size();
  ASSERT_EQ(size, 352u + 16 * 16 * 8 * 4);
  cut_file(dir / "good.nii", dir / "cut.nii", size - 100);
  EXPECT_TRUE(input_error([&] { read_nifti(dir / "cut.nii"); }, {"cut.nii", "truncated"}));
  cut_file(dir / "good.nii", dir / "cut_head.nii", 200);
  EXPECT_TRUE(input_error([&] { read_nifti(dir / "cut_head.nii"); }, {"cut_head.nii", "header"}));
  const std::size_t gz = read_file(dir / "good.nii.gz").size();
  cut_file(dir / "good.nii.gz", dir / "cut.nii.gz", gz / 2);
  EXPECT_TRUE(input_error([&] { read_nifti(dir / "cut.nii.gz"); }, {"cut.nii.gz", "truncated"}));
  write_file(dir / "junk.nii", std::string(400, 'x'));
  EXPECT_TRUE(input_error([&] { read_nifti(dir / "junk.nii"); }, {"junk.nii"}));
  EXPECT_TRUE(input_error([&] { read_nifti(dir / "missing.nii"); }, {"missing.nii"}));
  EXPECT_TRUE(input_error(
      [&] {
        write_nifti(Image::allocate(DType::U8, {4, 1, 1}, 1), dir / "x.nii", false);
      },
      {"x.nii", "2-D or 3-D"}));
  EXPECT_TRUE(nifti_path_is_valid("a/b.nii") && nifti_path_is_valid("b.nii.gz") && !nifti_path_is_valid("b.img"));
}

// ch2.nii.gz (uint8, 181×217×181, sform MNI) through us and through nibabel: every voxel, the
// spacing (header zooms) and the affine must agree.
TEST(IoNiftiFormat, Ch2MatchesNibabel) {
  if (!have_python3()) GTEST_SKIP() << "/usr/bin/python3 is not available";
  if (!fs::exists(kCh2)) GTEST_SKIP() << kCh2 << " is not installed (Debian package mricron-data)";
  Scratch dir("nifti-ch2");
  const std::string script = R"PY(
import sys, numpy as np, nibabel as nib
img = nib.load(sys.argv[1])
a = np.asanyarray(img.dataobj)
# x fastest: NumPy's first axis is x, so Fortran order gives our layout.
open(sys.argv[2] + '/ch2.raw', 'wb').write(a.tobytes(order='F'))
print(a.dtype.str, ' '.join(str(s) for s in a.shape))
print(' '.join(repr(float(z)) for z in img.header.get_zooms()))
print(' '.join(repr(float(v)) for v in img.affine[:3, :].flatten()))
)PY";
  std::string out;
  IO_RUN_PYTHON(dir.dir(), "ch2.py", script, shell_quoted(kCh2) + " " + shell_quoted(dir.dir()), out);
  std::istringstream in(out);
  std::string dt;
  std::int64_t sx, sy, sz;
  in >> dt >> sx >> sy >> sz;
  double zoom[3], aff[12];
  for (double& z : zoom) in >> z;
  for (double& a : aff) in >> a;
  ASSERT_FALSE(in.fail()) << out;

  Image im = read_nifti(kCh2);
  EXPECT_EQ(dt, "|u1");
  EXPECT_EQ(im.dtype(), DType::U8);
  EXPECT_EQ(im.shape(), (std::array<std::int64_t, 3>{sx, sy, sz}));
  EXPECT_EQ(im.shape(), (std::array<std::int64_t, 3>{181, 217, 181}));
  const std::string raw = read_file(dir / "ch2.raw");
  ASSERT_EQ(raw.size(), im.bytes());
  EXPECT_EQ(std::memcmp(raw.data(), im.raw(), raw.size()), 0) << "voxels differ from nibabel";
  const Geometry& g = im.geometry();
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(g.spacing[j], zoom[j], 1e-6);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(g.direction[i * 3 + j] * g.spacing[j], aff[i * 4 + j], 1e-6);
    EXPECT_NEAR(g.origin[i], aff[i * 4 + 3], 1e-6);
  }
  EXPECT_EQ(im.metadata().at("nifti.sform_code"), "4");
  EXPECT_EQ(im.metadata().at("nifti.descrip"), "spm - algebra");
}

// nibabel reads our files: data (every voxel, dtype), the affine from the sform AND from the
// qform alone, and the zooms.
TEST(IoNiftiFormat, NibabelReadsWhatWeWrite) {
  if (!have_python3()) GTEST_SKIP() << "/usr/bin/python3 is not available";
  Scratch dir("nifti-nib-out");
  std::string list;
  unsigned seed = 70;
  const Geometry g = test_geometry();
  for (DType t : all_dtypes())
    for (const char* ext : {".nii", ".nii.gz"}) {
      Image im = random_image(t, {6, 5, 4}, 3, seed++);
      im.geometry() = g;
      const std::string name = std::string(dtype_name(t)) + ext;
      write_nifti(im, dir / name, std::string(ext) == ".nii.gz");
      write_file(dir / (name + ".raw"), std::string(static_cast<const char*>(im.raw()), im.bytes()));
      list += " " + name + ":" + dtype_name(t);
    }
  std::ostringstream affine;
  affine.precision(17);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) affine << g.direction[i * 3 + j] * g.spacing[j] << ",";
    affine << g.origin[i] << ",";
  }
  const std::string script = R"PY(
import sys, numpy as np, nibabel as nib
d, aff = sys.argv[1], np.array([float(v) for v in sys.argv[2].strip(',').split(',')]).reshape(3, 4)
bad = 0
for item in sys.argv[3:]:
    name, dt = item.split(':')
    img = nib.load('%s/%s' % (d, name))
    a = np.asanyarray(img.dataobj)
    ref = np.fromfile('%s/%s.raw' % (d, name), dtype=np.dtype(dt)).reshape((4, 5, 6)).transpose()
    ok = a.dtype == np.dtype(dt) and a.shape == (6, 5, 4) and np.array_equal(a, ref, equal_nan=True)
    ok = ok and np.allclose(img.get_sform()[:3], aff, atol=1e-5) and np.allclose(img.get_qform()[:3], aff, atol=1e-5)
    ok = ok and np.allclose(img.header.get_zooms(), [0.7, 1.3, 2.5], atol=1e-6)
    if not ok:
        print('MISMATCH', name, a.dtype, a.shape, img.get_sform(), img.get_qform()); bad += 1
print('checked', len(sys.argv) - 3)
sys.exit(1 if bad else 0)
)PY";
  std::string out;
  IO_RUN_PYTHON(dir.dir(), "check.py", script, shell_quoted(dir.dir()) + " " + shell_quoted(affine.str()) + list, out);
  EXPECT_NE(out.find("checked 12"), std::string::npos) << out;
}

// Non-finite floats reach the graph as they are in the file (niftilib's nifti_read_buffer would
// have made them 0 without a word), big-endian files included: nibabel writes them.
TEST(IoNiftiFormat, NanAndInfAreReadAsStored) {
  if (!have_python3()) GTEST_SKIP() << "/usr/bin/python3 is not available";
  Scratch dir("nifti-nan");
  const std::string script = R"PY(
import sys, numpy as np, nibabel as nib
a = np.arange(24, dtype=np.float32).reshape(4, 3, 2)
a[1, 2, 0] = np.nan; a[3, 0, 1] = np.inf
nib.save(nib.Nifti1Image(a, np.eye(4)), sys.argv[1] + '/le.nii')
nib.save(nib.Nifti1Image(a.astype('>f4'), np.eye(4)), sys.argv[1] + '/be.nii')
)PY";
  std::string out;
  IO_RUN_PYTHON(dir.dir(), "make.py", script, shell_quoted(dir.dir()), out);
  for (const char* name : {"le.nii", "be.nii"}) {
    const Image im = read_nifti(dir / name);
    ASSERT_EQ(im.dtype(), DType::F32) << name;
    EXPECT_TRUE(std::isnan(im.value(1, 2, 0))) << name;
    EXPECT_TRUE(std::isinf(im.value(3, 0, 1))) << name;
    EXPECT_EQ(im.value(2, 1, 1), 2 * 6 + 1 * 2 + 1.0) << name;  // numpy a[2, 1, 1]: NIfTI i is x
  }
}

// nibabel writes what niftilib must refuse clearly: int8 and 4-D data.
TEST(IoNiftiFormat, RefusesUnsupportedDatatypeAnd4D) {
  if (!have_python3()) GTEST_SKIP() << "/usr/bin/python3 is not available";
  Scratch dir("nifti-unsup");
  const std::string script = R"PY(
import sys, numpy as np, nibabel as nib
d = sys.argv[1]
nib.save(nib.Nifti1Image(np.zeros((3, 4, 5), np.int8), np.eye(4)), d + '/i8.nii')
nib.save(nib.Nifti1Image(np.zeros((3, 4, 5, 2), np.float32), np.eye(4)), d + '/t4.nii.gz')
)PY";
  std::string out;
  IO_RUN_PYTHON(dir.dir(), "make.py", script, shell_quoted(dir.dir()), out);
  EXPECT_TRUE(input_error([&] { read_nifti(dir / "i8.nii"); }, {"i8.nii", "unsupported NIfTI datatype", "INT8"}));
  EXPECT_TRUE(input_error([&] { read_nifti(dir / "t4.nii.gz"); }, {"t4.nii.gz", "4 dimensions"}));
}
