// png_format: 8/16-bit round trips, the linear window, errors, and Pillow as the independent
// reference (it reads what we write, and writes gray, colour, alpha, palette and 1-bit files
// that we read by the documented rule).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "expect_input_error.hpp"
#include "io_test_util.hpp"
#include "png_format.hpp"

using namespace mirflow;
using namespace mirflow::io;
using namespace mirflow::io::test;

TEST(IoPngFormat, RoundTrip8And16Bit) {
  Scratch dir("png-rt");
  for (DType t : {DType::U8, DType::U16}) {
    for (auto [nx, ny] : {std::pair{1, 1}, std::pair{13, 7}, std::pair{64, 33}}) {
      Image im = random_image(t, {nx, ny, 1}, 2, static_cast<unsigned>(nx * 31 + ny));
      const auto file = dir / (std::string(dtype_name(t)) + "_" + std::to_string(nx) + ".png");
      write_png(im, file);
      EXPECT_TRUE(same_pixels(im, read_png(file))) << file;
    }
  }
}

TEST(IoPngFormat, WritesStridedViewsAndSlices) {
  Scratch dir("png-view");
  Image vol = random_image(DType::U16, {10, 6, 3}, 3, 4);
  Image view = Image::view(vol.storage(), 0, DType::U16, {5, 6, 1}, 2, {2, 10, 60});  // every other column
  write_png(view, dir / "v.png");
  Image back = read_png(dir / "v.png");
  for (std::int64_t y = 0; y < 6; ++y)
    for (std::int64_t x = 0; x < 5; ++x) EXPECT_EQ(back.at<std::uint16_t>(x, y), vol.at<std::uint16_t>(2 * x, y, 0));
  write_png(vol.slice(1), dir / "s.png");
  Image s = read_png(dir / "s.png");
  for (std::int64_t y = 0; y < 6; ++y)
    for (std::int64_t x = 0; x < 10; ++x) EXPECT_EQ(s.at<std::uint16_t>(x, y), vol.at<std::uint16_t>(x, y, 1));
}

TEST(IoPngFormat, WindowMapsLinearlyClampsAndRounds) {
  Image im = Image::allocate2d(DType::F32, 7, 1);
  const float in[7] = {-1.f, 0.f, 2.5f, 5.f, 10.f, 11.f, NAN};
  for (int x = 0; x < 7; ++x) im.at<float>(x, 0) = in[x];
  Image w8 = window_to_uint(im, 8, 0.0, 10.0);
  ASSERT_EQ(w8.dtype(), DType::U8);
  const int e8[7] = {0, 0, 64, 128, 255, 255, 0};  // 63.75 -> 64, 127.5 -> 128
  for (int x = 0; x < 7; ++x) EXPECT_EQ(w8.at<std::uint8_t>(x, 0), e8[x]) << x;
  Image w16 = window_to_uint(im, 16, 0.0, 10.0);
  ASSERT_EQ(w16.dtype(), DType::U16);
  const int e16[7] = {0, 0, 16384, 32768, 65535, 65535, 0};  // 16383.75, 32767.5
  for (int x = 0; x < 7; ++x) EXPECT_EQ(w16.at<std::uint16_t>(x, 0), e16[x]) << x;
  auto [lo, hi] = value_range(im);
  EXPECT_EQ(lo, -1.0);
  EXPECT_EQ(hi, 11.0);
  Image flat = window_to_uint(im, 8, 3.0, 3.0);  // empty window: everything 0
  for (int x = 0; x < 7; ++x) EXPECT_EQ(flat.at<std::uint8_t>(x, 0), 0);
}

TEST(IoPngFormat, ErrorsNameTheFileAndTheReason) {
  Scratch dir("png-err");
  EXPECT_TRUE(input_error([&] { write_png(Image::allocate3d(DType::U8, 4, 4, 2), dir / "vol.png"); },
                          {"vol.png", "slice it first"}));
  EXPECT_TRUE(input_error([&] { write_png(Image::allocate2d(DType::F32, 4, 4), dir / "f.png"); },
                          {"f.png", "uint8 or uint16"}));
  const auto good = dir / "good.png";
  write_png(random_image(DType::U8, {40, 30, 1}, 2, 1), good);
  const std::size_t size = read_file(good).size();
  cut_file(good, dir / "cut.png", size / 2);
  EXPECT_TRUE(input_error([&] { read_png(dir / "cut.png"); }, {"cut.png", "truncated"}));
  cut_file(good, dir / "cut_head.png", 20);
  EXPECT_TRUE(input_error([&] { read_png(dir / "cut_head.png"); }, {"cut_head.png", "truncated"}));
  cut_file(good, dir / "cut_sig.png", 5);
  EXPECT_TRUE(input_error([&] { read_png(dir / "cut_sig.png"); }, {"cut_sig.png", "truncated"}));
  write_file(dir / "text.png", "this is not a png file at all");
  EXPECT_TRUE(input_error([&] { read_png(dir / "text.png"); }, {"text.png", "not a PNG"}));
  EXPECT_TRUE(input_error([&] { read_png(dir / "missing.png"); }, {"missing.png"}));
}

TEST(IoPngFormat, PillowReadsWhatWeWrite) {
  if (!have_python3()) GTEST_SKIP() << "/usr/bin/python3 is not available";
  Scratch dir("png-pil-out");
  Image a = random_image(DType::U8, {23, 11, 1}, 2, 21);
  Image b = random_image(DType::U16, {17, 9, 1}, 2, 22);
  write_png(a, dir / "a.png");
  write_png(b, dir / "b.png");
  write_file(dir / "a.raw", std::string(static_cast<const char*>(a.raw()), a.bytes()));
  write_file(dir / "b.raw", std::string(static_cast<const char*>(b.raw()), b.bytes()));
  const std::string script = R"PY(
import sys, numpy as np
from PIL import Image
d = sys.argv[1]
bad = 0
for name, dt, shape in [('a', '<u1', (11, 23)), ('b', '<u2', (9, 17))]:
    im = Image.open('%s/%s.png' % (d, name))
    arr = np.array(im)
    ref = np.fromfile('%s/%s.raw' % (d, name), dtype=dt).reshape(shape)
    if arr.shape != shape or not np.array_equal(arr.astype(np.int64), ref.astype(np.int64)):
        print('MISMATCH', name, im.mode, arr.dtype, arr.shape); bad += 1
    else:
        print('ok', name, im.mode)
sys.exit(1 if bad else 0)
)PY";
  std::string out;
  IO_RUN_PYTHON(dir.dir(), "check.py", script, shell_quoted(dir.dir()), out);
}

TEST(IoPngFormat, ReadsWhatPillowWritesByTheColourRule) {
  if (!have_python3()) GTEST_SKIP() << "/usr/bin/python3 is not available";
  Scratch dir("png-pil-in");
  // Each case: a PNG and the expected gray pixels (BT.709 weights on the stored values, alpha
  // dropped, 1-bit scaled to 0/255), as raw uint8/uint16; tolerance 1 for the weighted cases.
  const std::string script = R"PY(
import sys, numpy as np
from PIL import Image
d = sys.argv[1]
rng = np.random.default_rng(3)
h, w = 9, 14
def luma(rgb):
    rgb = rgb.astype(np.float64)
    return np.floor(0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2] + 0.5)
cases = []
g8 = rng.integers(0, 256, (h, w), dtype=np.uint8)
Image.fromarray(g8, 'L').save(d + '/gray8.png'); g8.tofile(d + '/gray8.raw'); cases.append('gray8:u8:0')
g16 = rng.integers(0, 65536, (h, w), dtype=np.uint16)
Image.fromarray(g16).save(d + '/gray16.png'); g16.astype('<u2').tofile(d + '/gray16.raw'); cases.append('gray16:u16:0')
rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
Image.fromarray(rgb, 'RGB').save(d + '/rgb.png'); luma(rgb).astype(np.uint8).tofile(d + '/rgb.raw'); cases.append('rgb:u8:1')
rgba = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
Image.fromarray(rgba, 'RGBA').save(d + '/rgba.png'); luma(rgba).astype(np.uint8).tofile(d + '/rgba.raw'); cases.append('rgba:u8:1')
la = rng.integers(0, 256, (h, w, 2), dtype=np.uint8)
Image.fromarray(la, 'LA').save(d + '/la.png'); la[..., 0].copy().tofile(d + '/la.raw'); cases.append('la:u8:0')
pal = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [200, 100, 50]], dtype=np.uint8)
idx = rng.integers(0, 4, (h, w), dtype=np.uint8)
p = Image.fromarray(idx, 'P'); p.putpalette(pal.flatten().tolist()); p.save(d + '/pal.png')
luma(pal[idx]).astype(np.uint8).tofile(d + '/pal.raw'); cases.append('pal:u8:1')
bits = rng.integers(0, 2, (h, w), dtype=np.uint8) * 255
Image.fromarray(bits, 'L').convert('1').save(d + '/bit1.png'); bits.tofile(d + '/bit1.raw'); cases.append('bit1:u8:0')
print(' '.join(cases))
)PY";
  std::string out;
  IO_RUN_PYTHON(dir.dir(), "make.py", script, shell_quoted(dir.dir()), out);
  std::istringstream cases(out);
  int n = 0;
  for (std::string c; cases >> c; ++n) {
    const std::string name = c.substr(0, c.find(':'));
    const bool wide = c.find(":u16:") != std::string::npos;
    const int tol = c.back() == '1' ? 1 : 0;
    SCOPED_TRACE(name);
    Image im = read_png(dir / (name + ".png"));
    ASSERT_EQ(im.dtype(), wide ? DType::U16 : DType::U8);
    ASSERT_EQ(im.nx(), 14);
    ASSERT_EQ(im.ny(), 9);
    const std::string raw = read_file(dir / (name + ".raw"));
    ASSERT_EQ(raw.size(), im.bytes());
    int worst = 0;
    for (std::int64_t i = 0; i < im.size(); ++i) {
      int ref, got;
      if (wide) {
        std::uint16_t r;
        std::memcpy(&r, raw.data() + 2 * i, 2);
        ref = r, got = im.data<std::uint16_t>()[i];
      } else {
        ref = static_cast<unsigned char>(raw[static_cast<std::size_t>(i)]), got = im.data<std::uint8_t>()[i];
      }
      worst = std::max(worst, std::abs(ref - got));
    }
    EXPECT_LE(worst, tol);
  }
  EXPECT_EQ(n, 7);
}

// With colour = true, RGB, RGBA and palette files keep their colour: the pixels Pillow wrote
// (alpha dropped, palette expanded), 8 and 16 bits; a gray file stays gray.
TEST(IoPngFormat, ColourReadKeepsWhatPillowWrote) {
  if (!have_python3()) GTEST_SKIP() << "/usr/bin/python3 is not available";
  Scratch dir("png-pil-colour");
  const std::string script = R"PY(
import sys, zlib, struct, numpy as np
from PIL import Image
d = sys.argv[1]
rng = np.random.default_rng(5)
h, w = 7, 11
rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
Image.fromarray(rgb, 'RGB').save(d + '/rgb.png'); rgb.tofile(d + '/rgb.raw')
rgba = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
Image.fromarray(rgba, 'RGBA').save(d + '/rgba.png'); rgba[..., :3].copy().tofile(d + '/rgba.raw')
pal = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [200, 100, 50]], dtype=np.uint8)
idx = rng.integers(0, 4, (h, w), dtype=np.uint8)
p = Image.fromarray(idx, 'P'); p.putpalette(pal.flatten().tolist()); p.save(d + '/pal.png')
pal[idx].tofile(d + '/pal.raw')
# 16-bit RGB: Pillow cannot write it, so the file is assembled from its chunks here.
rgb16 = rng.integers(0, 65536, (h, w, 3), dtype=np.uint16)
def chunk(t, b): return struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
raw = b''.join(b'\x00' + rgb16[y].astype('>u2').tobytes() for y in range(h))
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 16, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
open(d + '/rgb16.png', 'wb').write(png)
rgb16.astype('<u2').tofile(d + '/rgb16.raw')
assert np.array_equal(np.asarray(Image.open(d + '/rgb.png')), rgb)
print('ok')
)PY";
  std::string out;
  IO_RUN_PYTHON(dir.dir(), "make.py", script, shell_quoted(dir.dir()), out);
  ASSERT_NE(out.find("ok"), std::string::npos) << out;
  for (const char* name : {"rgb", "rgba", "pal", "rgb16"}) {
    SCOPED_TRACE(name);
    const Image im = read_png(dir / (std::string(name) + ".png"), true);
    EXPECT_EQ(im.components(), 3);
    EXPECT_EQ(im.dtype(), std::string(name) == "rgb16" ? DType::U16 : DType::U8);
    const std::string raw = read_file(dir / (std::string(name) + ".raw"));
    ASSERT_EQ(raw.size(), im.bytes());
    EXPECT_EQ(std::memcmp(raw.data(), im.raw(), raw.size()), 0);
    // And what we write from it reads back the same.
    write_png(im, dir / (std::string(name) + "_again.png"));
    EXPECT_TRUE(same_pixels(im, read_png(dir / (std::string(name) + "_again.png"), true)));
  }
  Image gray = Image::allocate2d(DType::U8, 5, 4);
  write_png(gray, dir / "gray.png");
  EXPECT_EQ(read_png(dir / "gray.png", true).components(), 1);
}
