#include "dicom_nodes.hpp"

#include <any>
#include <system_error>

#include "input_files.hpp"
#include "mirflow/atomic_file.hpp"
#include "mirflow/error.hpp"
#include "mirflow/key.hpp"

namespace mirflow::io {

namespace fs = std::filesystem;

NodeSpec DicomRead::spec() {
  return NodeSpec("io.dicom_read",
                  "Reads DICOM through GDCM: a folder as one series (a volume sorted by position), or files one by one.")
      .output("image", kImagePort, "the image in DICOM's LPS+ world (metadata world = LPS) with dicom.* metadata")
      .param(ParamSpec::Path("path",
                             "a folder holding one series (one volume), a DICOM file, or a pattern with * or ? in the "
                             "file name (one item per file)"))
      .param(ParamSpec::Bool("apply_rescale", true,
                             "apply RescaleSlope/Intercept (result float32, CT in HU) when they are not (1, 0)"))
      .param(ParamSpec::String("series_uid", "", "the SeriesInstanceUID to read when a folder holds several series"));
}

DicomRead::DicomRead(const NodeConfig& config) {
  const fs::path path = config.params.get_path("path");
  options_.apply_rescale = config.params.get_bool("apply_rescale");
  options_.series_uid = config.params.get_string("series_uid");
  std::error_code ec;
  if (!has_wildcard(path) && fs::is_directory(path, ec)) {
    folder_ = path;
    files_ = dicom_folder_files(path);
  } else {
    files_ = input_files(path);
  }
}

void DicomRead::process(Context& ctx) {
  if (!folder_.empty()) {
    std::string label = folder_.filename().string();
    if (label.empty()) label = folder_.parent_path().filename().string();
    ctx.expand({label}, [files = files_, opt = options_](std::int64_t) -> Outputs {
      return {{"image", std::any(read_dicom_series(files, opt))}};
    });
    return;
  }
  std::vector<std::string> labels;
  for (const auto& f : files_) labels.push_back(f.filename().string());
  ctx.expand(std::move(labels), [files = files_, opt = options_](std::int64_t i) -> Outputs {
    return {{"image", std::any(read_dicom_file(files[static_cast<std::size_t>(i)], opt))}};
  });
}

NodeSpec DicomWrite::spec() {
  return NodeSpec("io.dicom_write",
                  "Writes each image as a derived DICOM series (one IM0001.dcm... per slice, int16 with rescale).")
      .input("image", kImagePort, "a 2-D or 3-D image (geometry taken as LPS+)")
      .param(ParamSpec::Path("path",
                             "output folder of the series; with several items use {stem}, {index}, {index:N} or {key}"))
      .param(ParamSpec::String("series_description", "mirflow derived", "SeriesDescription of the new series"))
      .param(ParamSpec::String("derivation", "mirflow graph", "DerivationDescription of the new series"));
}

DicomWrite::DicomWrite(const NodeConfig& config) : pattern_(config.params.get_path("path")) {
  options_.series_description = config.params.get_string("series_description");
  options_.derivation = config.params.get_string("derivation");
}

void DicomWrite::process(Context& ctx) {
  const Image& image = ctx.image_any_components("image");
  const Key& key = *ctx.key();
  fs::path target = pattern_;
  if (path_has_pattern(pattern_)) {
    target = expand_path_pattern(pattern_, key);
  } else {
    for (const Key* k = &key; k; k = k->parent().get())
      if (k->count() > 1)
        throw InputError("io.dicom_write receives several items (" + key.str() + " is one of " +
                         std::to_string(k->count()) + ") but its folder " + pattern_.string() +
                         " has no {stem}, {index}, {index:N} or {key} to tell them apart");
  }
  write_dicom_series(image, target, options_);
}

}  // namespace mirflow::io
