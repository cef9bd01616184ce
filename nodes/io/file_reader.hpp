#pragma once
// The shape every reader node shares: a source whose `path` names one file or a glob, and
// which emits one work item per file, labelled by the file name, reading it lazily.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "mirflow/node.hpp"

namespace mirflow::io {

class FileReader : public Node {
 public:
  using ReadFn = std::function<Image(const std::filesystem::path&)>;

  // Resolves the files now (InputError naming the path when one is missing or a glob matches
  // nothing); `read` runs later, once per file, when the engine asks for the item.
  FileReader(const NodeConfig& config, ReadFn read);
  void process(Context& ctx) override;

  const std::vector<std::filesystem::path>& files() const { return files_; }

  // The `path` parameter every reader declares.
  static ParamSpec path_param(const std::string& what);

 private:
  std::vector<std::filesystem::path> files_;
  ReadFn read_;
};

}  // namespace mirflow::io
