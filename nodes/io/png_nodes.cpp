#include "png_nodes.hpp"

#include <cmath>

#include "mirflow/error.hpp"
#include "png_format.hpp"

namespace mirflow::io {

NodeSpec PngRead::spec() {
  return NodeSpec("io.png_read", "Reads PNG files as 2-D grayscale images (uint8 or uint16), one item per file.")
      .output("image", kImagePort, "the image; colour converted to gray (BT.709 weights) unless colour = true; alpha dropped")
      .param(path_param("PNG"))
      .param(ParamSpec::Bool("colour", false, "keep colour files as 3-component RGB images instead of converting to gray"));
}

PngRead::PngRead(const NodeConfig& config)
    : FileReader(config, [colour = config.params.get_bool("colour")](const std::filesystem::path& f) {
        return read_png(f, colour);
      }) {}

NodeSpec PngWrite::spec() {
  return NodeSpec("io.png_write",
                  "Writes each 2-D image as a gray or RGB PNG (uint8: 8-bit, uint16: 16-bit, others windowed).")
      .input("image", kImagePort, "a 2-D image (slice volumes first)")
      .param(path_param("PNG"))
      .param(ParamSpec::Int("bits", 8, "bit depth (8 or 16) for images that are neither uint8 nor uint16").range(8, 16))
      .param(ParamSpec::FloatList("window", {},
                                  "[lo, hi] mapped linearly to 0..2^bits-1 for other dtypes; "
                                  "unset: the image's min..max")
                 .optional());
}

PngWrite::PngWrite(const NodeConfig& config)
    : FileWriter(config), bits_(static_cast<int>(config.params.get_int("bits"))) {
  if (bits_ != 8 && bits_ != 16)
    throw InputError("parameter 'bits' of io.png_write must be 8 or 16, got " + std::to_string(bits_));
  if (config.params.has("window")) {
    const auto& w = config.params.get_floats("window");
    if (w.size() != 2 || !std::isfinite(w[0]) || !std::isfinite(w[1]) || !(w[0] < w[1]))
      throw InputError("parameter 'window' of io.png_write must be [lo, hi] with lo < hi");
    window_ = std::make_pair(w[0], w[1]);
  }
}

void PngWrite::write(const Image& image, const std::filesystem::path& temp, const std::filesystem::path&) const {
  if (image.empty() || image.ndim() != 2 || image.device() != Device::CPU || image.dtype() == DType::U8 ||
      image.dtype() == DType::U16) {
    write_png(image, temp);  // as is, or an error saying why not (a volume, a GPU image)
    return;
  }
  const auto [lo, hi] = window_ ? *window_ : value_range(image);
  write_png(window_to_uint(image, bits_, lo, hi), temp);
}

}  // namespace mirflow::io
