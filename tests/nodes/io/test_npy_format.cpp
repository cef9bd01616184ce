// npy_format: round trips, header parsing, errors, and NumPy as the independent reference
// (it writes files we read, and reads files we write).
#include <gtest/gtest.h>

#include <sstream>

#include "expect_input_error.hpp"
#include "io_test_util.hpp"
#include "mirflow/error.hpp"
#include "npy_format.hpp"

using namespace mirflow;
using namespace mirflow::io;
using namespace mirflow::io::test;

namespace {

// A .npy file with a hand-made header dict (version 1.0) and `data` after it.
std::string npy_bytes(const std::string& dict, const std::string& data, int major = 1) {
  std::string h = dict;
  const std::size_t pre = major == 1 ? 10 : 12;
  while ((pre + h.size() + 1) % 64) h.push_back(' ');
  h.push_back('\n');
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  for (std::size_t i = 0; i < (major == 1 ? 2u : 4u); ++i)
    out.push_back(static_cast<char>((h.size() >> (8 * i)) & 0xff));
  return out + h + data;
}

}  // namespace

TEST(IoNpyFormat, RoundTripEveryDtype2DAnd3D) {
  Scratch dir("npy-rt");
  unsigned seed = 1;
  for (DType t : all_dtypes()) {
    for (int nd : {2, 3}) {
      Image im = random_image(t, {7, 5, nd == 3 ? 4 : 1}, nd, seed++);
      const auto file = dir / (std::string(dtype_name(t)) + "_" + std::to_string(nd) + ".npy");
      write_npy(im, file);
      Image back = read_npy(file);
      EXPECT_TRUE(same_pixels(im, back)) << file;
    }
  }
}

TEST(IoNpyFormat, WrittenHeaderIsVersion1AlignedTo64) {
  Scratch dir("npy-head");
  write_npy(random_image(DType::I16, {3, 2, 1}, 2, 5), dir / "a.npy");
  const std::string s = read_file(dir / "a.npy");
  ASSERT_GE(s.size(), 10u);
  EXPECT_EQ(s.substr(0, 6), std::string("\x93NUMPY", 6));
  EXPECT_EQ(s[6], 1);
  EXPECT_EQ(s[7], 0);
  const std::size_t hl = static_cast<unsigned char>(s[8]) | (static_cast<unsigned char>(s[9]) << 8);
  EXPECT_EQ((10 + hl) % 64, 0u);
  EXPECT_EQ(s[10 + hl - 1], '\n');
  EXPECT_NE(s.find("'descr': '<i2'"), std::string::npos);
  EXPECT_NE(s.find("'shape': (2, 3)"), std::string::npos);  // (ny, nx)
  EXPECT_EQ(s.size(), 10 + hl + 12);
}

TEST(IoNpyFormat, StridedViewIsWrittenInImageOrder) {
  Scratch dir("npy-view");
  Image vol = random_image(DType::F32, {6, 4, 3}, 3, 9);
  // A view of every other column of slice 1: x-stride 2.
  Image view = Image::view(vol.storage(), 6 * 4 * 1 * sizeof(float), DType::F32, {3, 4, 1}, 2, {2, 6, 24});
  write_npy(view, dir / "v.npy");
  Image back = read_npy(dir / "v.npy");
  ASSERT_EQ(back.nx(), 3);
  ASSERT_EQ(back.ny(), 4);
  for (std::int64_t y = 0; y < 4; ++y)
    for (std::int64_t x = 0; x < 3; ++x) EXPECT_EQ(back.at<float>(x, y), vol.at<float>(2 * x, y, 1));
  // And a slice (a contiguous view with an offset).
  write_npy(vol.slice(2), dir / "s.npy");
  Image s = read_npy(dir / "s.npy");
  for (std::int64_t y = 0; y < 4; ++y)
    for (std::int64_t x = 0; x < 6; ++x) EXPECT_EQ(s.at<float>(x, y), vol.at<float>(x, y, 2));
}

TEST(IoNpyFormat, ParsesHeaderVariants) {
  auto h = parse_npy_header("{'descr': '>u2', 'fortran_order': True, 'shape': (3, 4), }");
  EXPECT_EQ(h.dtype, DType::U16);
  EXPECT_TRUE(h.big_endian);
  EXPECT_TRUE(h.fortran_order);
  EXPECT_EQ(h.shape, (std::vector<std::int64_t>{3, 4}));
  h = parse_npy_header("{\"shape\":(2L,3L,4L),\"fortran_order\":False,\"descr\":\"|u1\"}");
  EXPECT_EQ(h.dtype, DType::U8);
  EXPECT_EQ(h.shape, (std::vector<std::int64_t>{2, 3, 4}));
  h = parse_npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), 'extra': [1, (2, 3)], }");
  EXPECT_EQ(h.dtype, DType::F64);
  EXPECT_EQ(h.shape, (std::vector<std::int64_t>{5}));
  EXPECT_THROW(parse_npy_header("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }"), std::invalid_argument);
  EXPECT_THROW(parse_npy_header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }"),
               std::invalid_argument);
  EXPECT_THROW(parse_npy_header("{'descr': '<f4', 'shape': (2, 2), }"), std::invalid_argument);
  EXPECT_THROW(parse_npy_header("{'descr': '<f4', 'fortran_order': maybe, 'shape': (2, 2), }"), std::invalid_argument);
  EXPECT_THROW(parse_npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }"), std::invalid_argument);
}

TEST(IoNpyFormat, ReadsFortranOrderBigEndianAndVersion2) {
  Scratch dir("npy-forder");
  // shape (2, 3) = (ny, nx), Fortran order: memory holds a[0,0], a[1,0], a[0,1], ...
  // with a[y, x] = 10·y + x, stored as big-endian int16.
  std::string data;
  for (int x = 0; x < 3; ++x)
    for (int y = 0; y < 2; ++y) {
      const int v = 10 * y + x - 7;
      data.push_back(static_cast<char>((v >> 8) & 0xff));
      data.push_back(static_cast<char>(v & 0xff));
    }
  write_file(dir / "f.npy", npy_bytes("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }", data, 2));
  Image im = read_npy(dir / "f.npy");
  ASSERT_EQ(im.dtype(), DType::I16);
  ASSERT_EQ(im.nx(), 3);
  ASSERT_EQ(im.ny(), 2);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) EXPECT_EQ(im.at<std::int16_t>(x, y), 10 * y + x - 7);
}

TEST(IoNpyFormat, ErrorsNameTheFileAndTheReason) {
  Scratch dir("npy-err");
  const auto good = dir / "good.npy";
  write_npy(random_image(DType::F32, {8, 8, 1}, 2, 3), good);
  const std::size_t size = read_file(good).size();

  cut_file(good, dir / "short_data.npy", size - 5);
  EXPECT_TRUE(input_error([&] { read_npy(dir / "short_data.npy"); }, {"short_data.npy", "truncated"}));
  cut_file(good, dir / "short_head.npy", 40);
  EXPECT_TRUE(input_error([&] { read_npy(dir / "short_head.npy"); }, {"short_head.npy", "truncated"}));
  cut_file(good, dir / "tiny.npy", 4);
  EXPECT_TRUE(input_error([&] { read_npy(dir / "tiny.npy"); }, {"tiny.npy", "truncated"}));
  write_file(dir / "magic.npy", "PK\x03\x04 not numpy at all");
  EXPECT_TRUE(input_error([&] { read_npy(dir / "magic.npy"); }, {"magic.npy", "magic"}));
  write_file(dir / "i8.npy",
             npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1), }", std::string(8, '\0')));
  EXPECT_TRUE(input_error([&] { read_npy(dir / "i8.npy"); }, {"i8.npy", "unsupported dtype '<i8'"}));
  write_file(dir / "1d.npy", npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }", "abcd"));
  EXPECT_TRUE(input_error([&] { read_npy(dir / "1d.npy"); }, {"1d.npy", "1 dimensions"}));
  write_file(dir / "v9.npy", npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1), }", "a", 9));
  EXPECT_TRUE(input_error([&] { read_npy(dir / "v9.npy"); }, {"v9.npy", "version 9.0"}));
  EXPECT_TRUE(input_error([&] { read_npy(dir / "missing.npy"); }, {"missing.npy"}));
  EXPECT_TRUE(input_error([&] { write_npy(Image::allocate(DType::U8, {4, 1, 1}, 1), dir / "x.npy"); }, {"x.npy"}));
}

// NumPy writes, we read: every dtype, C and Fortran order, little and big endian, format
// versions 1.0, 2.0 and 3.0. Python also dumps the expected pixels in x-fastest order (the
// C-order bytes of a little-endian copy), which we compare byte for byte.
TEST(IoNpyFormat, ReadsWhatNumpyWrites) {
  if (!have_python3()) GTEST_SKIP() << "/usr/bin/python3 is not available";
  Scratch dir("npy-numpy-in");
  const std::string script = R"PY(
import sys, numpy as np
out = sys.argv[1]
rng = np.random.default_rng(7)
names = []
for dt in ['u1', 'i2', 'u2', 'i4', 'f4', 'f8']:
    for shape in [(5, 7), (3, 5, 7)]:
        base = np.dtype('<' + dt)
        if base.kind == 'f':
            a = (rng.standard_normal(shape) * 1000).astype(base)
        else:
            info = np.iinfo(base)
            a = rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=np.int64).astype(base)
        for order in 'CF':
            for endian in '<>':
                b = np.asarray(a, dtype=np.dtype(endian + dt), order=order)
                name = '%s_%d_%s_%s' % (dt, len(shape), order, 'le' if endian == '<' else 'be')
                np.save('%s/%s.npy' % (out, name), b)
                np.ascontiguousarray(a).tofile('%s/%s.raw' % (out, name))
                names.append(name)
a = np.arange(12, dtype='<f4').reshape(3, 4)
for v in [(2, 0), (3, 0)]:
    name = 'version_%d' % v[0]
    with open('%s/%s.npy' % (out, name), 'wb') as f:
        np.lib.format.write_array(f, a, version=v)
    a.tofile('%s/%s.raw' % (out, name))
    names.append(name)
print(' '.join(names))
)PY";
  std::string out;
  IO_RUN_PYTHON(dir.dir(), "make.py", script, shell_quoted(dir.dir()), out);
  std::istringstream names(out);
  int count = 0;
  for (std::string name; names >> name; ++count) {
    SCOPED_TRACE(name);
    Image im = read_npy(dir / (name + ".npy"));
    const std::string raw = read_file(dir / (name + ".raw"));
    ASSERT_EQ(im.bytes(), raw.size());
    EXPECT_EQ(std::memcmp(im.raw(), raw.data(), raw.size()), 0);
    const bool three = name.find("_3_") != std::string::npos;
    EXPECT_EQ(im.ndim(), three ? 3 : (name.rfind("version", 0) == 0 ? 2 : 2));
    if (name.rfind("version", 0) == 0) {
      EXPECT_EQ(im.nx(), 4);
      EXPECT_EQ(im.ny(), 3);
    } else {
      EXPECT_EQ(im.nx(), 7);
      EXPECT_EQ(im.ny(), 5);
      EXPECT_EQ(im.nz(), three ? 3 : 1);
    }
  }
  EXPECT_EQ(count, 6 * 2 * 4 + 2);
}

// We write, NumPy reads: dtype, shape (ny, nx) / (nz, ny, nx) and every value must match the
// raw x-fastest pixels we dump beside each file.
TEST(IoNpyFormat, NumpyReadsWhatWeWrite) {
  if (!have_python3()) GTEST_SKIP() << "/usr/bin/python3 is not available";
  Scratch dir("npy-numpy-out");
  std::string list;
  unsigned seed = 100;
  for (DType t : all_dtypes())
    for (int nd : {2, 3}) {
      Image im = random_image(t, {6, 4, nd == 3 ? 3 : 1}, nd, seed++);
      const std::string name = std::string(dtype_name(t)) + "_" + std::to_string(nd);
      write_npy(im, dir / (name + ".npy"));
      write_file(dir / (name + ".raw"), std::string(static_cast<const char*>(im.raw()), im.bytes()));
      list += " " + name + ":" + dtype_name(t) + ":" + (nd == 3 ? "3,4,6" : "4,6");
    }
  const std::string script = R"PY(
import sys, numpy as np
d = sys.argv[1]
bad = 0
for item in sys.argv[2:]:
    name, dt, shape = item.split(':')
    shape = tuple(int(s) for s in shape.split(','))
    a = np.load('%s/%s.npy' % (d, name))
    ref = np.fromfile('%s/%s.raw' % (d, name), dtype=np.dtype(dt)).reshape(shape)
    if a.dtype != np.dtype(dt) or a.shape != shape or not a.flags['C_CONTIGUOUS'] \
            or a.tobytes() != ref.tobytes():
        print('MISMATCH', name, a.dtype, a.shape)
        bad += 1
print('checked', len(sys.argv) - 2)
sys.exit(1 if bad else 0)
)PY";
  std::string out;
  IO_RUN_PYTHON(dir.dir(), "check.py", script, shell_quoted(dir.dir()) + list, out);
  EXPECT_NE(out.find("checked 12"), std::string::npos) << out;
}
