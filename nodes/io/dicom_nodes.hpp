#pragma once
// io.dicom_read and io.dicom_write: DICOM through GDCM (see dicom_format.hpp).
#include <filesystem>
#include <vector>

#include "dicom_format.hpp"
#include "mirflow/node.hpp"

namespace mirflow::io {

// A source. `path` is a folder (its files are one series: one item, a volume), one file or a
// glob (one item per file).
class DicomRead final : public Node {
 public:
  static NodeSpec spec();
  explicit DicomRead(const NodeConfig& config);
  void process(Context& ctx) override;

 private:
  std::filesystem::path folder_;              // set in folder mode
  std::vector<std::filesystem::path> files_;  // the files (folder mode: all of them)
  DicomReadOptions options_;
};

// A sink: each item (a volume or a slice) becomes a derived series in the folder `path`
// (with {stem}, {index}, {key} when several items arrive).
class DicomWrite final : public Node {
 public:
  static NodeSpec spec();
  explicit DicomWrite(const NodeConfig& config);
  void process(Context& ctx) override;

 private:
  std::filesystem::path pattern_;
  DicomWriteOptions options_;
};

}  // namespace mirflow::io
