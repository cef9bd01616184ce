#pragma once
// The image a vision model sees: a 2-D slice windowed to 8 bits and encoded as PNG in memory.
#include <string>

#include <mirflow/image.hpp>

namespace mirflow::semantic {

// A linear intensity window: lo maps to 0, hi to 255.
struct Window {
  double lo = 0, hi = 1;
  std::string how;  // where it came from, for the prompt and the log ("CT soft tissue", ...)
};

// The window for an image of this modality ("CT", "MR", ... or empty): DICOM WindowCenter /
// WindowWidth metadata when present; for CT the soft-tissue window (level 40, width 400 HU);
// otherwise the 0.5th and 99.5th percentiles of the finite values.
Window auto_window(const Image& image, const std::string& modality);

// round((v − lo) / (hi − lo) · 255) clamped to [0, 255], NaN → 0, as an 8-bit grayscale PNG
// (row y = 0 first). Throws std::invalid_argument for a 3-D or non-CPU image or hi <= lo.
std::string encode_png_gray8(const Image& image, const Window& window);

}  // namespace mirflow::semantic
