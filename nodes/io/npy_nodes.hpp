#pragma once
// io.npy_read and io.npy_write: NumPy .npy files (see npy_format.hpp).
#include "file_reader.hpp"
#include "file_writer.hpp"

namespace mirflow::io {

class NpyRead final : public FileReader {
 public:
  static NodeSpec spec();
  explicit NpyRead(const NodeConfig& config);
};

class NpyWrite final : public FileWriter {
 public:
  static NodeSpec spec();
  explicit NpyWrite(const NodeConfig& config) : FileWriter(config) {}

 private:
  void write(const Image& image, const std::filesystem::path& temp, const std::filesystem::path& target) const override;
};

}  // namespace mirflow::io
