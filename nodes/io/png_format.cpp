#include "png_format.hpp"

#include <png.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "mirflow/error.hpp"

namespace mirflow::io {

namespace fs = std::filesystem;

// libpng reports errors by longjmp. The functions that call libpng and hold the setjmp point
// (read_header, read_rows, write_rows) keep only plain C data in their frames, and every C++
// object lives in their callers, so no destructor is ever skipped by a longjmp.
namespace {

struct PngState {
  std::FILE* fp = nullptr;
  png_structp png = nullptr;
  png_infop info = nullptr;
  bool writing = false;
  char message[256] = {};
  ~PngState() {
    if (png) {
      if (writing)
        png_destroy_write_struct(&png, info ? &info : nullptr);
      else
        png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    }
    if (fp) std::fclose(fp);
  }
};

void on_error(png_structp png, png_const_charp msg) {
  auto* st = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(st->message, sizeof st->message, "%s", msg ? msg : "unknown libpng error");
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}

struct ReadInfo {
  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, channels = 0;
};

// Reads the header and sets the transformations to one gray channel (rule in png_format.hpp),
// or, with `colour`, to RGB for colour files.
bool read_header(PngState* st, ReadInfo* ri, bool colour) {
  if (setjmp(png_jmpbuf(st->png))) return false;
  png_init_io(st->png, st->fp);
  png_set_sig_bytes(st->png, 8);
  png_read_info(st->png, st->info);
  const int color = png_get_color_type(st->png, st->info);
  const int depth = png_get_bit_depth(st->png, st->info);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(st->png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(st->png);
  if ((color & PNG_COLOR_MASK_COLOR) != 0 && !colour) {
    // Weights in units of 1/100000 (blue = the rest); explicit so that cHRM cannot change them,
    // and gamma 1/1 so that gAMA cannot move the computation into linear light.
    png_set_gamma(st->png, PNG_GAMMA_LINEAR, PNG_GAMMA_LINEAR);
    png_set_rgb_to_gray_fixed(st->png, 1, 21260, 71520);
  }
  png_set_strip_alpha(st->png);
  if (depth == 16 && std::endian::native == std::endian::little) png_set_swap(st->png);
  png_set_interlace_handling(st->png);
  png_read_update_info(st->png, st->info);
  ri->width = png_get_image_width(st->png, st->info);
  ri->height = png_get_image_height(st->png, st->info);
  ri->bit_depth = png_get_bit_depth(st->png, st->info);
  ri->channels = png_get_channels(st->png, st->info);
  return true;
}

bool read_rows(PngState* st, png_bytepp rows) {
  if (setjmp(png_jmpbuf(st->png))) return false;
  png_read_image(st->png, rows);
  png_read_end(st->png, nullptr);
  return true;
}

struct WriteRows {
  const unsigned char* base = nullptr;
  int bit_depth = 8;          // 8 or 16
  int color_type = PNG_COLOR_TYPE_GRAY;
  std::size_t elem = 1;       // bytes per pixel
  std::ptrdiff_t x_step = 0;  // bytes between pixels of a row
  std::ptrdiff_t y_step = 0;  // bytes between rows
  png_uint_32 width = 0, height = 0;
  unsigned char* row_buffer = nullptr;  // width·elem bytes, for rows that are not contiguous
};

bool write_rows(PngState* st, const WriteRows* w) {
  if (setjmp(png_jmpbuf(st->png))) return false;
  png_init_io(st->png, st->fp);
  png_set_IHDR(st->png, st->info, w->width, w->height, w->bit_depth, w->color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(st->png, st->info);
  if (w->bit_depth == 16 && std::endian::native == std::endian::little) png_set_swap(st->png);
  for (png_uint_32 y = 0; y < w->height; ++y) {
    const unsigned char* p = w->base + static_cast<std::ptrdiff_t>(y) * w->y_step;
    if (w->x_step != static_cast<std::ptrdiff_t>(w->elem)) {
      for (png_uint_32 x = 0; x < w->width; ++x)
        std::memcpy(w->row_buffer + x * w->elem, p + static_cast<std::ptrdiff_t>(x) * w->x_step, w->elem);
      p = w->row_buffer;
    }
    png_write_row(st->png, p);
  }
  png_write_end(st->png, nullptr);
  return true;
}

[[noreturn]] void bad(const fs::path& file, const std::string& why) { throw InputError(file.string() + ": " + why); }

}  // namespace

Image read_png(const fs::path& file, bool colour) {
  PngState st;
  st.fp = std::fopen(file.c_str(), "rb");
  if (!st.fp) bad(file, std::string("cannot open: ") + std::strerror(errno));
  unsigned char sig[8] = {};
  const std::size_t got = std::fread(sig, 1, sizeof sig, st.fp);
  if (got < sizeof sig || png_sig_cmp(sig, 0, sizeof sig) != 0)
    bad(file, got < sizeof sig ? "truncated: shorter than the PNG signature" : "not a PNG file (bad signature)");
  st.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, on_error, on_warning);
  if (!st.png) throw std::runtime_error(file.string() + ": libpng could not start");
  st.info = png_create_info_struct(st.png);
  if (!st.info) throw std::runtime_error(file.string() + ": libpng could not start");

  ReadInfo ri;
  if (!read_header(&st, &ri, colour)) bad(file, std::string("bad or truncated PNG header: ") + st.message);
  if ((ri.channels != 1 && !(colour && ri.channels == 3)) || (ri.bit_depth != 8 && ri.bit_depth != 16))
    bad(file, std::string("cannot convert this PNG to ") + (colour ? "gray or RGB" : "one gray channel") + " (" +
                  std::to_string(ri.channels) + " channels, " + std::to_string(ri.bit_depth) + " bits)");
  Image img = Image::allocate(ri.bit_depth == 16 ? DType::U16 : DType::U8, {ri.width, ri.height, 1}, 2, Device::CPU,
                              ri.channels);
  const std::size_t row_bytes = static_cast<std::size_t>(ri.width) * (ri.bit_depth / 8) * ri.channels;
  std::vector<png_bytep> rows(ri.height);
  for (png_uint_32 y = 0; y < ri.height; ++y) rows[y] = static_cast<png_bytep>(img.raw()) + y * row_bytes;
  if (!read_rows(&st, rows.data())) bad(file, std::string("truncated or corrupt PNG: ") + st.message);
  return img;
}

void write_png(const Image& image, const fs::path& file) {
  if (image.empty()) throw InputError(file.string() + ": cannot write an empty image");
  if (image.device() != Device::CPU)
    throw InputError(file.string() + ": PNG needs a CPU image, got " + image.describe());
  if (image.ndim() == 3)
    throw InputError(file.string() + ": PNG holds 2-D images, got the volume " + image.describe() +
                     "; slice it first (flow.slice) and write one PNG per slice");
  if (image.ndim() != 2) throw InputError(file.string() + ": PNG holds 2-D images, got " + image.describe());
  if (image.dtype() != DType::U8 && image.dtype() != DType::U16)
    throw InputError(file.string() + ": PNG holds uint8 or uint16 pixels, got " + image.describe());
  if (image.components() != 1 && image.components() != 3)
    throw InputError(file.string() + ": PNG holds gray or RGB pixels, got " + image.describe());
  const auto limit = static_cast<std::int64_t>(PNG_UINT_31_MAX);
  if (image.nx() > limit || image.ny() > limit) throw InputError(file.string() + ": image too large for PNG");

  WriteRows w;
  w.bit_depth = static_cast<int>(dtype_size(image.dtype()) * 8);
  w.color_type = image.components() == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY;
  w.elem = dtype_size(image.dtype()) * static_cast<std::size_t>(image.components());
  w.base = static_cast<const unsigned char*>(image.raw());
  const auto value_bytes = static_cast<std::int64_t>(dtype_size(image.dtype()));
  w.x_step = static_cast<std::ptrdiff_t>(image.strides()[0] * value_bytes);
  w.y_step = static_cast<std::ptrdiff_t>(image.strides()[1] * value_bytes);
  w.width = static_cast<png_uint_32>(image.nx());
  w.height = static_cast<png_uint_32>(image.ny());
  std::vector<unsigned char> row_buffer(static_cast<std::ptrdiff_t>(w.elem) == w.x_step ? 0 : w.width * w.elem);
  w.row_buffer = row_buffer.data();

  PngState st;
  st.writing = true;
  st.fp = std::fopen(file.c_str(), "wb");
  if (!st.fp) throw std::runtime_error(file.string() + ": cannot create: " + std::strerror(errno));
  st.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st, on_error, on_warning);
  if (!st.png) throw std::runtime_error(file.string() + ": libpng could not start");
  st.info = png_create_info_struct(st.png);
  if (!st.info) throw std::runtime_error(file.string() + ": libpng could not start");
  if (!write_rows(&st, &w)) throw std::runtime_error(file.string() + ": PNG write failed: " + st.message);
  std::FILE* fp = st.fp;
  st.fp = nullptr;
  const bool flushed = std::ferror(fp) == 0;
  if (std::fclose(fp) != 0 || !flushed)
    throw std::runtime_error(file.string() + ": write failed: " + std::strerror(errno));
}

std::pair<double, double> value_range(const Image& image) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  dispatch_dtype(image.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (std::int64_t z = 0; z < image.nz(); ++z)
      for (std::int64_t y = 0; y < image.ny(); ++y)
        for (std::int64_t x = 0; x < image.nx(); ++x)
          for (int c = 0; c < image.components(); ++c) {
            const double v = static_cast<double>(image.at<T>(x, y, z, c));
            if (std::isnan(v)) continue;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
          }
  });
  if (lo > hi) return {0.0, 0.0};
  return {lo, hi};
}

Image window_to_uint(const Image& image, int bits, double lo, double hi) {
  if (bits != 8 && bits != 16) throw std::invalid_argument("window_to_uint: bits must be 8 or 16");
  if (image.ndim() != 2) throw std::invalid_argument("window_to_uint needs a 2-D image, got " + image.describe());
  const double top = bits == 8 ? 255.0 : 65535.0;
  const double scale = hi > lo ? top / (hi - lo) : 0.0;
  Image out = Image::allocate(bits == 8 ? DType::U8 : DType::U16, {image.nx(), image.ny(), 1}, 2, Device::CPU,
                              image.components());
  out.geometry() = image.geometry();
  out.metadata() = image.metadata();
  auto fill = [&](auto out_tag, auto in_tag) {
    using O = decltype(out_tag);
    using I = decltype(in_tag);
    O* d = out.data<O>();
    for (std::int64_t y = 0; y < image.ny(); ++y)
      for (std::int64_t x = 0; x < image.nx(); ++x)
        for (int c = 0; c < image.components(); ++c) {
          double m = scale == 0.0 ? 0.0 : std::round((static_cast<double>(image.at<I>(x, y, 0, c)) - lo) * scale);
          if (!(m > 0.0))
            m = 0.0;  // also NaN
          else if (m > top)
            m = top;
          *d++ = static_cast<O>(m);
        }
  };
  dispatch_dtype(image.dtype(), [&](auto in_tag) {
    if (bits == 8)
      fill(std::uint8_t{}, in_tag);
    else
      fill(std::uint16_t{}, in_tag);
  });
  return out;
}

}  // namespace mirflow::io
