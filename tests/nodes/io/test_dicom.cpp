// DICOM through GDCM: conformance against pydicom on every file pydicom ships (stored pixels
// equal, everything else an InputError, never a crash), series assembly from a shuffled folder,
// a derived series written and read back (dcmdump and pydicom accept it), the nodes in a graph,
// and `mirflow convert`.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "dicom_format.hpp"
#include "expect_input_error.hpp"
#include "io_test_util.hpp"
#include "mirflow/engine.hpp"
#include "mirflow/error.hpp"
#include "nifti_format.hpp"
#include "npy_format.hpp"
#include "png_format.hpp"

using namespace mirflow;
using namespace mirflow::io;
using namespace mirflow::io::test;

namespace {

const fs::path kPydicomFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

bool have_pydicom() { return have_python3() && mirflow::test::python_has("pydicom"); }

// For every *.dcm or extension-less file: "relpath\tstatus\tshape\tindex" where status is
// "ok" (grey levels) or "colour" (samples last, as pydicom holds them), the values in
// out/<index>.bin as little-endian float64 in NumPy's C order, or "error:...".
const char* kDecodeAll = R"(
import os, sys, numpy as np, pydicom
root, out = sys.argv[1], sys.argv[2]
rows = []
i = 0
for d, dirs, files in os.walk(root):
    dirs.sort()
    for f in sorted(files):
        if not (f.endswith('.dcm') or '.' not in f):
            continue
        p = os.path.join(d, f)
        rel = os.path.relpath(p, root)
        try:
            ds = pydicom.dcmread(p, force=True)
            a = ds.pixel_array
            # pydicom's GDCM handler returns GDCM's buffer even when the decoder failed (it
            # logs "opj_setup_decoder failure" and goes on): uninitialised memory that differs
            # from one decoding to the next. Such a file was not decoded. Two decodings can
            # land on the same garbage by chance (seen about once in ten runs), so it takes
            # four equal ones, with the heap churned by random bytes between them.
            stable = True
            for k in range(3):
                churn = [os.urandom(1 << 16) for _ in range(64)]
                del churn
                if not np.array_equal(a, pydicom.dcmread(p, force=True).pixel_array):
                    stable = False
                    break
            if not stable:
                rows.append((rel, 'error:unstable', '', ''))
                continue
            spp = int(ds.get('SamplesPerPixel', 1))
            a = np.ascontiguousarray(a).astype('<f8')
            a.tofile(os.path.join(out, '%d.bin' % i))
            rows.append((rel, 'ok' if spp == 1 else 'colour', 'x'.join(str(s) for s in a.shape), str(i)))
            i += 1
        except Exception as e:
            rows.append((rel, 'error:' + type(e).__name__, '', ''))
with open(os.path.join(out, 'manifest.tsv'), 'w') as m:
    for r in rows:
        m.write('\t'.join(r) + '\n')
)";

std::vector<std::vector<std::string>> read_tsv(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_file(p));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::size_t b = 0;
    for (std::size_t e; (e = line.find('\t', b)) != std::string::npos; b = e + 1) cols.push_back(line.substr(b, e - b));
    cols.push_back(line.substr(b));
    rows.push_back(cols);
  }
  return rows;
}

}  // namespace

TEST(DicomConformance, EveryPydicomTestFile) {
  if (!fs::is_directory(kPydicomFiles)) GTEST_SKIP() << "pydicom's test files are missing: " << kPydicomFiles;
  if (!have_pydicom()) GTEST_SKIP() << "/usr/bin/python3 with pydicom is missing";
  Scratch dir("dicom-conf");
  std::string out;
  IO_RUN_PYTHON(dir.dir(), "decode.py", kDecodeAll, shell_quoted(kPydicomFiles) + " " + shell_quoted(dir.dir()), out);
  const auto rows = read_tsv(dir / "manifest.tsv");
  ASSERT_GT(rows.size(), 50u);
  int n_py = 0, n_mf = 0, n_equal = 0, n_refused = 0, n_colour = 0, n_unstable = 0;
  std::ostringstream table;
  table << std::left << std::setw(62) << "file" << std::setw(22) << "pydicom" << std::setw(10) << "mirflow"
        << "equal\n";
  for (const auto& r : rows) {
    ASSERT_EQ(r.size(), 4u);
    const fs::path file = kPydicomFiles / r[0];
    const bool py_ok = r[1] == "ok" || r[1] == "colour";
    const int components = r[1] == "colour" ? 3 : 1;
    n_py += py_ok;
    n_colour += r[1] == "colour";
    n_unstable += r[1] == "error:unstable";
    Image im;
    std::string mf = "ok", why;
    try {
      DicomReadOptions opt;
      opt.apply_rescale = false;
      im = read_dicom_file(file, opt);
      ++n_mf;
    } catch (const InputError& e) {
      mf = "refused";
      why = e.what();
      ++n_refused;
      EXPECT_NE(why.find(file.string()), std::string::npos) << why;
    } catch (const std::exception& e) {
      ADD_FAILURE() << r[0] << ": not an InputError: " << e.what();
      mf = "other";
    }
    std::string equal = "-";
    if (py_ok) {
      EXPECT_EQ(mf, "ok") << r[0] << " decodes with pydicom but mirflow says: " << why;
      if (mf == "ok") {
        const std::string bin = read_file(dir / (r[3] + ".bin"));
        std::vector<double> ref(bin.size() / sizeof(double));
        std::memcpy(ref.data(), bin.data(), ref.size() * sizeof(double));
        // pydicom's C order is (frame, row, column, sample): the sample varies fastest.
        bool same = im.components() == components &&
                    static_cast<std::int64_t>(ref.size()) == im.size() * components;
        std::int64_t first_bad = -1;
        for (std::int64_t i = 0; same && i < im.size() * components; ++i) {
          const std::int64_t c = i % components, p = i / components;
          const std::int64_t x = p % im.nx(), y = (p / im.nx()) % im.ny(), z = p / (im.nx() * im.ny());
          if (im.value(x, y, z, static_cast<int>(c)) != ref[static_cast<std::size_t>(i)]) {
            same = false;
            first_bad = i;
          }
        }
        equal = same ? "yes" : "NO";
        n_equal += same;
        EXPECT_TRUE(same) << r[0] << ": pydicom shape " << r[2] << " (" << ref.size() << " values), mirflow "
                          << im.describe() << ", first difference at " << first_bad;
      }
    }
    table << std::left << std::setw(62) << r[0] << std::setw(22) << r[1] << std::setw(10) << mf << equal << "\n";
  }
  std::cout << table.str() << "files " << rows.size() << ", pydicom decodes " << n_py << " (" << n_colour
            << " of them colour), mirflow decodes " << n_mf << ", refuses " << n_refused << ", equal " << n_equal << "; pydicom gave different values on two decodings of " << n_unstable << "\n";
  EXPECT_EQ(n_equal, n_py);
  EXPECT_GE(n_colour, 20) << "pydicom's colour files were expected among the references";
}

TEST(DicomRead, CtSmallInHounsfield) {
  const fs::path ct = kPydicomFiles / "CT_small.dcm";
  if (!fs::exists(ct)) GTEST_SKIP() << "missing " << ct;
  Image raw = read_dicom_file(ct, {false, ""});
  Image hu = read_dicom_file(ct);
  EXPECT_EQ(raw.dtype(), DType::I16);
  ASSERT_EQ(hu.dtype(), DType::F32);
  EXPECT_EQ(hu.ndim(), 2);
  EXPECT_EQ(hu.nx(), 128);
  EXPECT_FLOAT_EQ(hu.value(10, 20), static_cast<float>(raw.value(10, 20) - 1024.0));
  EXPECT_EQ(hu.metadata().at("world"), "LPS");
  EXPECT_EQ(hu.metadata().at("dicom.Modality"), "CT");
  EXPECT_EQ(hu.metadata().at("dicom.rescale_applied"), "true");
  EXPECT_NEAR(hu.geometry().spacing[0], 0.661468, 1e-6);
  EXPECT_NEAR(hu.geometry().origin[0], -158.135803, 1e-6);
  EXPECT_NEAR(hu.geometry().origin[2], -75.699997, 1e-6);
}

TEST(DicomRead, BadFilesAreInputErrors) {
  const fs::path ct = kPydicomFiles / "CT_small.dcm";
  if (!fs::exists(ct)) GTEST_SKIP() << "missing " << ct;
  Scratch dir("dicom-bad");
  cut_file(ct, dir / "cut.dcm", 3000);
  write_file(dir / "text.dcm", "this is not DICOM at all\n");
  EXPECT_TRUE(input_error([&] { read_dicom_file(dir / "cut.dcm"); }, {"cut.dcm"}));
  EXPECT_TRUE(input_error([&] { read_dicom_file(dir / "text.dcm"); }, {"text.dcm"}));
}

namespace {

// Three slices from CT_small (pixels + 100·k) at distinct positions along the normal, written
// in shuffled file order; and optionally a second series.
const char* kMakeSeries = R"(
import sys, copy, numpy as np, pydicom
from pydicom.uid import generate_uid
src, out, second, irregular = sys.argv[1], sys.argv[2], sys.argv[3] == '1', sys.argv[3] == '2'
ds0 = pydicom.dcmread(src)
iop = np.array([float(v) for v in ds0.ImageOrientationPatient])
n = np.cross(iop[:3], iop[3:])
p0 = np.array([float(v) for v in ds0.ImagePositionPatient])
names = {0: 'b_slice', 1: 'c_slice', 2: 'a_slice'}  # sorted by name: z = 2, 0, 1
for k in range(3):
    ds = copy.deepcopy(ds0)
    ds.SOPInstanceUID = generate_uid()
    d = [0.0, 2.5, 6.0][k] if irregular else 2.5 * k
    ds.ImagePositionPatient = [float('%.6f' % v) for v in (p0 + d * n)]
    a = ds0.pixel_array.astype(np.int16) + 100 * k
    ds.PixelData = a.tobytes()
    ds.save_as(out + '/' + names[k] + '.dcm')
if second:
    ds = copy.deepcopy(ds0)
    ds.SeriesInstanceUID = '1.2.3.4.5.6.7.8.9'
    ds.SOPInstanceUID = generate_uid()
    ds.save_as(out + '/other.dcm')
print(ds0.SeriesInstanceUID)
)";

}  // namespace

TEST(DicomRead, FolderIsSortedByPosition) {
  const fs::path ct = kPydicomFiles / "CT_small.dcm";
  if (!fs::exists(ct) || !have_pydicom()) GTEST_SKIP() << "needs " << ct << " and pydicom";
  Scratch dir("dicom-series");
  fs::create_directories(dir / "s");
  std::string out;
  IO_RUN_PYTHON(dir.dir(), "make.py", kMakeSeries, shell_quoted(ct) + " " + shell_quoted(dir / "s") + " 0", out);
  const Image one = read_dicom_file(ct, {false, ""});
  const Image vol = read_dicom_series(dicom_folder_files(dir / "s"), {false, ""});
  ASSERT_EQ(vol.ndim(), 3);
  ASSERT_EQ(vol.nz(), 3);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(vol.value(17, 33, k), one.value(17, 33) + 100 * k) << k;
  EXPECT_NEAR(vol.geometry().spacing[2], 2.5, 1e-4);
  EXPECT_NEAR(vol.geometry().origin[2], -75.699997, 1e-5);
  EXPECT_NEAR(vol.geometry().direction[8], 1.0, 1e-9);

  // Through the node: the folder is one item.
  Scratch g("dicom-series-node");
  const std::string toml = "[graph]\nname = \"d\"\nedges = [\"input.image -> output.image\"]\n"
                           "[[node]]\nid = \"input\"\ntype = \"io.dicom_read\"\npath = \"" +
                           (dir / "s").string() +
                           "\"\n[[node]]\nid = \"output\"\ntype = \"io.nifti_write\"\npath = \"v.nii.gz\"\n";
  mirflow::test::run_string(toml, g.dir());
  const Image back = read_nifti(g / "v.nii.gz");
  EXPECT_EQ(back.nz(), 3);
  EXPECT_FLOAT_EQ(static_cast<float>(back.value(17, 33, 2)), static_cast<float>(one.value(17, 33) + 200 - 1024));

  // A second series: an error listing both, unless series_uid chooses.
  Scratch dir2("dicom-series2");
  fs::create_directories(dir2 / "s");
  IO_RUN_PYTHON(dir2.dir(), "make.py", kMakeSeries, shell_quoted(ct) + " " + shell_quoted(dir2 / "s") + " 1", out);
  const std::string uid = out.substr(0, out.find_first_of("\r\n"));
  EXPECT_TRUE(input_error([&] { read_dicom_series(dicom_folder_files(dir2 / "s")); }, {"2 series", uid, "1.2.3.4.5.6.7.8.9"}));
  EXPECT_EQ(read_dicom_series(dicom_folder_files(dir2 / "s"), {true, uid}).nz(), 3);
  EXPECT_EQ(read_dicom_series(dicom_folder_files(dir2 / "s"), {true, "1.2.3.4.5.6.7.8.9"}).ndim(), 2);

  // Irregular gaps (2.5 mm, then 3.5 mm): refused, naming the gap.
  Scratch dir3("dicom-series3");
  fs::create_directories(dir3 / "s");
  IO_RUN_PYTHON(dir3.dir(), "make.py", kMakeSeries, shell_quoted(ct) + " " + shell_quoted(dir3 / "s") + " 2", out);
  EXPECT_TRUE(input_error([&] { read_dicom_series(dicom_folder_files(dir3 / "s")); }, {"irregular slice spacing"}));
}

TEST(DicomWrite, DerivedSeriesRoundTrips) {
  Scratch dir("dicom-write");
  const std::int64_t nx = 20, ny = 14, nz = 5;
  Image im = Image::allocate3d(DType::F32, nx, ny, nz);
  for (std::int64_t z = 0; z < nz; ++z)
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x)
        im.set_value(x, y, z, -1000.0 + 37.3 * static_cast<double>(x) + 11.1 * y * z + 0.37 * std::sin(x * 1.0 + y));
  Geometry& g = im.geometry();
  g.spacing = {0.7, 0.85, 2.5};
  g.origin = {-120.5, 33.25, 17.0};
  const double c = std::cos(0.3), s = std::sin(0.3);
  g.direction = {c, -s, 0, s, c, 0, 0, 0, 1};
  im.metadata()["dicom.PatientName"] = "Test^Patient";
  im.metadata()["dicom.PatientID"] = "P123";
  im.metadata()["dicom.StudyInstanceUID"] = "1.2.826.0.1.3680043.2.1125.1";
  im.metadata()["dicom.Modality"] = "CT";
  write_dicom_series(im, dir / "series", {"mirflow test", "test derivation"});
  EXPECT_TRUE(part_files(dir / "series").empty());
  const auto files = dicom_folder_files(dir / "series");
  ASSERT_EQ(files.size(), 5u);
  EXPECT_EQ(files.front().filename(), "IM0001.dcm");
  const Image back = read_dicom_series(files);
  ASSERT_EQ(back.dtype(), DType::F32);
  ASSERT_EQ(back.shape(), im.shape());
  double lo = 1e300, hi = -1e300;
  for (std::int64_t i = 0; i < im.size(); ++i) {
    lo = std::min(lo, static_cast<double>(im.data<float>()[i]));
    hi = std::max(hi, static_cast<double>(im.data<float>()[i]));
  }
  const double step = (hi - lo) / 65520.0;
  double worst = 0;
  for (std::int64_t i = 0; i < im.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(im.data<float>()[i]) - back.data<float>()[i]));
  EXPECT_LE(worst, 0.5 * step * 1.001 + 1e-4) << "step " << step;
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(back.geometry().spacing[i], g.spacing[i], 1e-6) << i;
    EXPECT_NEAR(back.geometry().origin[i], g.origin[i], 1e-5) << i;
  }
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(back.geometry().direction[i], g.direction[i], 1e-6) << i;
  EXPECT_EQ(back.metadata().at("dicom.PatientID"), "P123");
  EXPECT_EQ(back.metadata().at("dicom.StudyInstanceUID"), "1.2.826.0.1.3680043.2.1125.1");
  EXPECT_EQ(back.metadata().at("dicom.SeriesDescription"), "mirflow test");

  if (fs::exists("/usr/bin/dcmdump")) {
    for (const auto& f : files) {
      std::string out;
      EXPECT_EQ(mirflow::test::run_command("/usr/bin/dcmdump " + shell_quoted(f), &out), 0) << out;
      if (f == files.front()) {
        EXPECT_NE(out.find("DERIVED\\SECONDARY"), std::string::npos) << out;
        EXPECT_NE(out.find("test derivation"), std::string::npos) << out;
      }
    }
  }
  if (have_pydicom()) {
    std::string out;
    IO_RUN_PYTHON(dir.dir(), "check.py",
                  "import sys, glob, pydicom\n"
                  "fs = sorted(glob.glob(sys.argv[1] + '/*.dcm'))\n"
                  "ds = [pydicom.dcmread(f) for f in fs]\n"
                  "assert len({d.SeriesInstanceUID for d in ds}) == 1\n"
                  "assert len({d.SOPInstanceUID for d in ds}) == len(ds)\n"
                  "for d in ds: assert d.pixel_array.shape == (14, 20), d.pixel_array.shape\n"
                  "v = ds[2].pixel_array[3, 4] * float(ds[2].RescaleSlope) + float(ds[2].RescaleIntercept)\n"
                  "print(len(ds), v)\n",
                  shell_quoted(dir / "series"), out);
    EXPECT_EQ(out.substr(0, 1), "5") << out;
    EXPECT_NEAR(std::stod(out.substr(2)), im.value(4, 3, 2), 0.5 * step * 1.001 + 1e-3) << out;
  }
}

TEST(DicomWrite, IntegerImagesAreStoredAsTheyAre) {
  Scratch dir("dicom-write-int");
  Image im = random_image(DType::I16, {9, 7, 2}, 3, 4);
  write_dicom_series(im, dir / "s");
  const Image back = read_dicom_series(dicom_folder_files(dir / "s"));
  EXPECT_TRUE(same_pixels(im, back));
  Image u = random_image(DType::U16, {9, 7, 1}, 2, 5);
  write_dicom_series(u, dir / "u");
  EXPECT_TRUE(same_pixels(u, read_dicom_series(dicom_folder_files(dir / "u"))));
}

TEST(DicomNodes, GraphWritesASeries) {
  const fs::path ct = kPydicomFiles / "CT_small.dcm";
  if (!fs::exists(ct)) GTEST_SKIP() << "missing " << ct;
  auto& reg = mirflow::test::registry();
  ASSERT_NE(reg.find("io.dicom_read"), nullptr);
  ASSERT_NE(reg.find("io.dicom_write"), nullptr);
  Scratch dir("dicom-graph");
  const std::string toml = "[graph]\nname = \"d\"\nedges = [\"input.image -> output.image\"]\n"
                           "[[node]]\nid = \"input\"\ntype = \"io.dicom_read\"\npath = \"" +
                           ct.string() +
                           "\"\n[[node]]\nid = \"output\"\ntype = \"io.dicom_write\"\npath = \"out\"\n"
                           "series_description = \"denoised\"\n";
  mirflow::test::run_string(toml, dir.dir());
  const Image back = read_dicom_series(dicom_folder_files(dir / "out"));
  const Image ref = read_dicom_file(ct);
  ASSERT_EQ(back.shape(), ref.shape());
  for (std::int64_t y = 0; y < ref.ny(); ++y)
    for (std::int64_t x = 0; x < ref.nx(); ++x) ASSERT_NEAR(back.value(x, y), ref.value(x, y), 1e-3) << x << "," << y;
  EXPECT_EQ(back.metadata().at("dicom.SeriesDescription"), "denoised");
  EXPECT_NE(back.metadata().at("dicom.SeriesInstanceUID"), ref.metadata().at("dicom.SeriesInstanceUID"));
  EXPECT_EQ(back.metadata().at("dicom.PatientID"), ref.metadata().at("dicom.PatientID"));
}

TEST(DicomConvert, CtSmallToNiftiInHounsfield) {
  const fs::path ct = kPydicomFiles / "CT_small.dcm";
  if (!fs::exists(ct)) GTEST_SKIP() << "missing " << ct;
  const fs::path exe = mirflow::test::build_dir() / "bin" / "mirflow";
  if (!fs::exists(exe)) GTEST_SKIP() << "the mirflow command is not built: " << exe;
  Scratch dir("dicom-convert");
  std::string out;
  EXPECT_EQ(mirflow::test::run_command(shell_quoted(exe) + " convert " + shell_quoted(ct) + " " +
                                           shell_quoted(dir / "ct.nii.gz"), &out), 0) << out;
  ASSERT_TRUE(fs::exists(dir / "ct.nii.gz")) << out;
  const Image nii = read_nifti(dir / "ct.nii.gz");
  const Image hu = read_dicom_file(ct);
  ASSERT_EQ(nii.shape(), hu.shape());
  for (std::int64_t y = 0; y < hu.ny(); y += 7)
    for (std::int64_t x = 0; x < hu.nx(); x += 5) ASSERT_EQ(nii.value(x, y), hu.value(x, y)) << x << "," << y;
  // And back to a DICOM folder; a missing input is bad input (exit 2).
  EXPECT_EQ(mirflow::test::run_command(shell_quoted(exe) + " convert " + shell_quoted(dir / "ct.nii.gz") + " " +
                                           shell_quoted(dir / "series") + "/", &out), 0) << out;
  EXPECT_EQ(dicom_folder_files(dir / "series").size(), 1u);
  EXPECT_EQ(mirflow::test::run_command(shell_quoted(exe) + " convert " + shell_quoted(dir / "missing.dcm") + " " +
                                           shell_quoted(dir / "x.nii"), &out), 2) << out;
}

// DICOM positions are LPS, NIfTI's RAS: a DICOM image written as NIfTI keeps its anatomy, so
// x and y of origin and direction change sign, and the round trip back to DICOM restores them.
TEST(DicomWorld, NiftiAndDicomConvertBetweenLpsAndRas) {
  const fs::path ct = kPydicomFiles / "CT_small.dcm";
  if (!fs::exists(ct)) GTEST_SKIP() << ct << " is missing (Debian package python3-pydicom)";
  const fs::path dir = mirflow::test::scratch_dir("dicom-world");
  mirflow::Image lps = mirflow::io::read_dicom_file(ct);
  ASSERT_EQ(lps.metadata().at("world"), "LPS");
  mirflow::io::write_nifti(lps, dir / "ct.nii.gz", true);
  mirflow::Image ras = mirflow::io::read_nifti(dir / "ct.nii.gz");
  EXPECT_EQ(ras.metadata().at("world"), "RAS");
  const auto& a = lps.geometry();
  const auto& b = ras.geometry();
  for (int r = 0; r < 3; ++r) {
    const double sign = r < 2 ? -1.0 : 1.0;
    EXPECT_NEAR(b.origin[r], sign * a.origin[r], 1e-4) << r;
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(b.direction[r * 3 + c], sign * a.direction[r * 3 + c], 1e-5) << r << c;
  }
  mirflow::io::write_dicom_series(ras, dir / "back");
  mirflow::Image again = mirflow::io::read_dicom_series(mirflow::io::dicom_folder_files(dir / "back"));
  for (int r = 0; r < 3; ++r) EXPECT_NEAR(again.geometry().origin[r], a.origin[r], 1e-3) << r;
}

// Colour: a two-frame RGB file and a YBR_FULL file go out as DICOM, NPY, PNG and NIfTI, and
// pydicom, NumPy and Pillow (independent readers) find pydicom's own pixels of the source in them.
TEST(DicomColour, WrittenInEveryFormatReadBackAsPydicomDecodesTheSource) {
  const fs::path rgb = kPydicomFiles / "SC_rgb_rle_2frame.dcm", ybr = kPydicomFiles / "SC_ybr_full_422_uncompressed.dcm";
  if (!fs::exists(rgb) || !fs::exists(ybr) || !have_pydicom()) GTEST_SKIP() << "needs pydicom and its colour test files";
  Scratch dir("dicom-colour");
  const Image im = read_dicom_file(rgb);
  ASSERT_EQ(im.components(), 3);
  ASSERT_EQ(im.nz(), 2);
  ASSERT_EQ(im.dtype(), DType::U8);
  EXPECT_EQ(im.metadata().at("dicom.rescale_applied"), "false");
  write_dicom_series(im, dir / "rgb_series", {"colour test", "copied"});
  EXPECT_TRUE(same_pixels(im, read_dicom_series(dicom_folder_files(dir / "rgb_series"))));
  write_npy(im, dir / "rgb.npy");
  write_png(im.slice(1), dir / "frame1.png");
  write_nifti(im, dir / "rgb.nii", false);
  EXPECT_TRUE(same_pixels(im, read_nifti(dir / "rgb.nii")));
  const Image y = read_dicom_file(ybr);
  write_dicom_series(y, dir / "ybr_series");

  std::string out;
  IO_RUN_PYTHON(dir.dir(), "check.py", R"(
import sys, glob, numpy as np, pydicom
from PIL import Image
src, ybr, d = sys.argv[1], sys.argv[2], sys.argv[3]
ref = pydicom.dcmread(src).pixel_array                      # (2, 100, 100, 3)
fs = sorted(glob.glob(d + '/rgb_series/*.dcm'))
ds = [pydicom.dcmread(f) for f in fs]
assert len(ds) == 2 and all(x.PhotometricInterpretation == 'RGB' and x.SamplesPerPixel == 3 for x in ds)
assert 'RescaleSlope' not in ds[0], 'colour must not carry a modality rescale'
assert np.array_equal(np.stack([x.pixel_array for x in ds]), ref), 'DICOM'
assert np.array_equal(np.load(d + '/rgb.npy'), ref), 'NPY'
assert np.array_equal(np.asarray(Image.open(d + '/frame1.png').convert('RGB')), ref[1]), 'PNG'
h = np.fromfile(d + '/rgb.nii', dtype='<i2', count=40, offset=0)
assert h[35] == 128 and h[36] == 24, ('NIfTI datatype/bitpix', h[35], h[36])
vox = np.fromfile(d + '/rgb.nii', dtype=np.uint8, offset=352).reshape(2, 100, 100, 3)
assert np.array_equal(vox, ref), 'NIfTI voxels'
y = pydicom.dcmread(glob.glob(d + '/ybr_series/*.dcm')[0])
assert y.PhotometricInterpretation == 'YBR_FULL', y.PhotometricInterpretation
assert np.array_equal(y.pixel_array, pydicom.dcmread(ybr).pixel_array), 'YBR'
print('ok')
)", shell_quoted(rgb) + " " + shell_quoted(ybr) + " " + shell_quoted(dir.dir()), out);
  EXPECT_NE(out.find("ok"), std::string::npos) << out;
  if (fs::exists("/usr/bin/dcmdump")) {
    for (const auto& f : dicom_folder_files(dir / "rgb_series")) {
      EXPECT_EQ(mirflow::test::run_command("/usr/bin/dcmdump " + shell_quoted(f), &out), 0) << out;
      EXPECT_NE(out.find("RGB"), std::string::npos) << out;
    }
  }
}

// Palette colour: indices through the red, green and blue tables give RGB, compared with
// pydicom's apply_color_lut on the same file. Two tables: 16-bit entries and 8-bit entries,
// the second starting at index 10 (values below the first mapped one take the first entry).
TEST(DicomColour, PaletteColourIsAppliedAsPydicomDoes) {
  const fs::path src = kPydicomFiles / "CT_small.dcm";
  if (!fs::exists(src) || !have_pydicom()) GTEST_SKIP() << "needs pydicom and " << src;
  Scratch dir("dicom-palette");
  std::string out;
  IO_RUN_PYTHON(dir.dir(), "make.py", R"(
import sys, numpy as np, pydicom
from pydicom.pixel_data_handlers.util import apply_color_lut
src, d = sys.argv[1], sys.argv[2]
for name, bits, first in (('p16', 16, 0), ('p8', 8, 10)):
    ds = pydicom.dcmread(src)
    a = (ds.pixel_array.astype(np.int64) % 256).astype(np.uint8)
    ds.BitsAllocated = ds.BitsStored = 8; ds.HighBit = 7; ds.PixelRepresentation = 0
    ds.PhotometricInterpretation = 'PALETTE COLOR'
    for tag in ('RescaleIntercept', 'RescaleSlope'):
        delattr(ds, tag)
    n = 256 - first
    rng = np.random.default_rng(bits)
    for k in range(3):
        ds.add_new(0x00281101 + k, 'US', [n, first, bits])   # descriptor: entries, first value, bits
        table = rng.integers(0, 2 ** bits, n).astype('<u2')   # 8-bit entries are stored in 16-bit words
        ds.add_new(0x00281201 + k, 'OW', table.tobytes())
    ds.PixelData = a.tobytes()
    ds.save_as(f'{d}/{name}.dcm')
    ref = apply_color_lut(pydicom.dcmread(f'{d}/{name}.dcm').pixel_array, pydicom.dcmread(f'{d}/{name}.dcm'))
    np.ascontiguousarray(ref).astype('<f8').tofile(f'{d}/{name}.bin')
    print(name, ref.shape, ref.dtype)
)", shell_quoted(src) + " " + shell_quoted(dir.dir()), out);
  for (const char* name : {"p16", "p8"}) {
    ASSERT_NE(out.find(name), std::string::npos) << out;
    const Image im = read_dicom_file(dir / (std::string(name) + ".dcm"));
    ASSERT_EQ(im.components(), 3) << name << ": " << im.describe();
    const std::string bin = read_file(dir / (std::string(name) + ".bin"));
    ASSERT_EQ(bin.size(), static_cast<std::size_t>(im.size()) * 3 * sizeof(double)) << name << " " << out;
    std::vector<double> ref(bin.size() / sizeof(double));
    std::memcpy(ref.data(), bin.data(), bin.size());
    std::int64_t differ = 0;
    for (std::int64_t i = 0; i < im.size() * 3; ++i) {
      const std::int64_t c = i % 3, p = i / 3;
      differ += im.value(p % im.nx(), p / im.nx(), 0, static_cast<int>(c)) != ref[static_cast<std::size_t>(i)];
    }
    EXPECT_EQ(differ, 0) << name << ": " << im.describe() << "; pydicom: " << out;
  }
}
