#pragma once
// io.nifti_read and io.nifti_write: NIfTI-1 .nii / .nii.gz through niftilib (see nifti_format.hpp).
#include "file_reader.hpp"
#include "file_writer.hpp"

namespace mirflow::io {

class NiftiRead final : public FileReader {
 public:
  static NodeSpec spec();
  explicit NiftiRead(const NodeConfig& config);
};

class NiftiWrite final : public FileWriter {
 public:
  static NodeSpec spec();
  explicit NiftiWrite(const NodeConfig& config);

 private:
  void write(const Image& image, const std::filesystem::path& temp, const std::filesystem::path& target) const override;
};

}  // namespace mirflow::io
