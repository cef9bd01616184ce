#include "file_reader.hpp"

#include <any>

#include "input_files.hpp"

namespace mirflow::io {

FileReader::FileReader(const NodeConfig& config, ReadFn read)
    : files_(input_files(config.params.get_path("path"))), read_(std::move(read)) {}

void FileReader::process(Context& ctx) {
  std::vector<std::string> labels;
  labels.reserve(files_.size());
  for (const auto& f : files_) labels.push_back(f.filename().string());
  ctx.expand(std::move(labels), [files = files_, read = read_](std::int64_t i) -> Outputs {
    return {{"image", std::any(read(files[static_cast<std::size_t>(i)]))}};
  });
}

ParamSpec FileReader::path_param(const std::string& what) {
  return ParamSpec::Path("path",
                         what + " file to read, or a pattern with * or ? in the file name (one item per file, sorted)");
}

}  // namespace mirflow::io
