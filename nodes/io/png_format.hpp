#pragma once
// PNG files through libpng: 8- and 16-bit grayscale and RGB, read and written.
//
// Reading converts every other PNG colour type to one gray channel, by this rule:
//   - gray with 1, 2 or 4 bits is scaled to 8 bits (libpng's expand: 1 -> 255 for 1-bit);
//   - a palette is first expanded to its RGB colours;
//   - RGB becomes gray = 0.2126 R + 0.7152 G + 0.0722 B (ITU-R BT.709 luma weights), computed
//     by libpng on the stored values, rounded; gAMA and cHRM chunks are ignored, so the same
//     file always gives the same pixels;
//   - an alpha channel (or a tRNS transparency) is dropped, not composited.
// 8-bit files give uint8 images, 16-bit files uint16. Row 0 of the file is y = 0.
// With `colour`, colour files (RGB, RGBA, palette) keep their colour instead: a 3-component
// image, palette expanded, alpha dropped; gray files stay gray.
#include <filesystem>
#include <utility>

#include "mirflow/image.hpp"

namespace mirflow::io {

// Reads a PNG file into a new 2-D uint8 or uint16 image. Throws InputError naming the file
// and the reason (not a PNG, truncated, corrupt).
Image read_png(const std::filesystem::path& file, bool colour = false);

// Writes a 2-D uint8 (8-bit) or uint16 (16-bit) CPU image as a grayscale PNG, or as an RGB PNG
// when it has 3 components (colour DICOM is written this way, as stored). Throws
// InputError for other images (a 3-D one must be sliced first) and std::runtime_error for
// I/O failures, naming the file.
void write_png(const Image& image, const std::filesystem::path& file);

// The smallest and largest value of an image, NaN ignored ({0, 0} when every value is NaN).
std::pair<double, double> value_range(const Image& image);

// Maps any 2-D image to a new uint8 (bits = 8) or uint16 (bits = 16) image with a linear
// window: v -> round((v - lo) / (hi - lo) · (2^bits − 1)), clamped to [0, 2^bits − 1]. NaN
// maps to 0; when hi <= lo every pixel maps to 0.
Image window_to_uint(const Image& image, int bits, double lo, double hi);

}  // namespace mirflow::io
