#include "npy_nodes.hpp"

#include "npy_format.hpp"

namespace mirflow::io {

NodeSpec NpyRead::spec() {
  return NodeSpec("io.npy_read", "Reads NumPy .npy arrays (2-D (ny, nx) or 3-D (nz, ny, nx)), one item per file.")
      .output("image", kImagePort, "the array as an image, in its stored dtype")
      .param(path_param(".npy"));
}

NpyRead::NpyRead(const NodeConfig& config)
    : FileReader(config, [](const std::filesystem::path& f) { return read_npy(f); }) {}

NodeSpec NpyWrite::spec() {
  return NodeSpec("io.npy_write", "Writes each image as a NumPy .npy array in its own dtype (C order).")
      .input("image", kImagePort, "a 2-D or 3-D image")
      .param(path_param(".npy"));
}

void NpyWrite::write(const Image& image, const std::filesystem::path& temp, const std::filesystem::path&) const {
  write_npy(image, temp);
}

}  // namespace mirflow::io
