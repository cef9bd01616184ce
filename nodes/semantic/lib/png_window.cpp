#include "mirflow_semantic/png_window.hpp"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace mirflow::semantic {

namespace {

double percentile(std::vector<double>& v, double q) {
  const std::size_t k = static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

bool first_number(const Metadata& md, const std::string& key, double* out) {
  const auto it = md.find(key);
  if (it == md.end()) return false;
  const std::string first = it->second.substr(0, it->second.find('\\'));  // multi-valued DS: take the first
  char* end = nullptr;
  const double v = std::strtod(first.c_str(), &end);
  if (end == first.c_str() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

struct PngBuffer {
  std::string bytes;
  std::string error;
};

void on_write(png_structp png, png_bytep data, png_size_t n) {
  static_cast<PngBuffer*>(png_get_io_ptr(png))->bytes.append(reinterpret_cast<const char*>(data), n);
}
void on_flush(png_structp) {}
void on_error(png_structp png, png_const_charp msg) {
  static_cast<PngBuffer*>(png_get_error_ptr(png))->error = msg;
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}

// Kept apart from the C++ objects: setjmp/longjmp must not skip destructors.
bool write_rows(png_structp png, png_infop info, png_uint_32 w, png_uint_32 h, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

}  // namespace

Window auto_window(const Image& image, const std::string& modality) {
  double centre = 0, width = 0;
  if (first_number(image.metadata(), "dicom.WindowCenter", &centre) &&
      first_number(image.metadata(), "dicom.WindowWidth", &width) && width > 0)
    return {centre - width / 2, centre + width / 2, "DICOM window (level " + std::to_string(centre) + ", width " +
                                                        std::to_string(width) + ")"};
  if (modality == "CT") return {40.0 - 200.0, 40.0 + 200.0, "CT soft tissue (level 40 HU, width 400 HU)"};
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(image.size()));
  for (std::int64_t z = 0; z < image.nz(); ++z)
    for (std::int64_t y = 0; y < image.ny(); ++y)
      for (std::int64_t x = 0; x < image.nx(); ++x) {
        const double a = image.value(x, y, z);
        if (std::isfinite(a)) v.push_back(a);
      }
  if (v.empty()) return {0, 1, "no finite values"};
  const double lo = percentile(v, 0.005), hi = percentile(v, 0.995);
  return {lo, hi > lo ? hi : lo + 1, "0.5th to 99.5th percentile"};
}

std::string encode_png_gray8(const Image& image, const Window& window) {
  if (image.ndim() != 2 || image.device() != Device::CPU)
    throw std::invalid_argument("a PNG for the model needs a 2-D CPU slice, got " + image.describe());
  if (!(window.hi > window.lo)) throw std::invalid_argument("the intensity window is empty (hi <= lo)");
  const auto w = static_cast<png_uint_32>(image.nx()), h = static_cast<png_uint_32>(image.ny());
  std::vector<png_byte> pixels(static_cast<std::size_t>(image.size()));
  for (std::int64_t y = 0; y < image.ny(); ++y)
    for (std::int64_t x = 0; x < image.nx(); ++x) {
      const double v = image.value(x, y);
      const double s = std::isnan(v) ? 0.0 : std::round((v - window.lo) / (window.hi - window.lo) * 255.0);
      pixels[static_cast<std::size_t>(y * image.nx() + x)] = static_cast<png_byte>(std::clamp(s, 0.0, 255.0));
    }
  std::vector<png_bytep> rows(h);
  for (png_uint_32 y = 0; y < h; ++y) rows[y] = pixels.data() + static_cast<std::size_t>(y) * w;

  PngBuffer buffer;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &buffer, on_error, on_warning);
  if (!png) throw std::runtime_error("libpng: cannot create a write struct");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    throw std::runtime_error("libpng: cannot create an info struct");
  }
  png_set_write_fn(png, &buffer, on_write, on_flush);
  const bool ok = write_rows(png, info, w, h, rows.data());
  png_destroy_write_struct(&png, &info);
  if (!ok) throw std::runtime_error("libpng: " + buffer.error);
  return std::move(buffer.bytes);
}

}  // namespace mirflow::semantic
