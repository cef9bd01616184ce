#pragma once
// io.png_read and io.png_write: grayscale PNG (see png_format.hpp for the colour rule).
#include <optional>
#include <utility>

#include "file_reader.hpp"
#include "file_writer.hpp"

namespace mirflow::io {

class PngRead final : public FileReader {
 public:
  static NodeSpec spec();
  explicit PngRead(const NodeConfig& config);
};

// uint8 images are written as 8-bit and uint16 as 16-bit PNGs, unchanged; any other dtype is
// mapped to `bits` bits through the linear `window` [lo, hi] (the image's own min..max when
// unset), values clamped and rounded.
class PngWrite final : public FileWriter {
 public:
  static NodeSpec spec();
  explicit PngWrite(const NodeConfig& config);

 private:
  void write(const Image& image, const std::filesystem::path& temp, const std::filesystem::path& target) const override;
  int bits_ = 8;
  std::optional<std::pair<double, double>> window_;
};

}  // namespace mirflow::io
