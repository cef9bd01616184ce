#include "file_writer.hpp"

#include <stdexcept>
#include <string>

#include "mirflow/atomic_file.hpp"
#include "mirflow/error.hpp"
#include "mirflow/key.hpp"

namespace mirflow::io {

namespace fs = std::filesystem;

FileWriter::FileWriter(const NodeConfig& config)
    : pattern_(config.params.get_path("path")), has_pattern_(path_has_pattern(pattern_)) {}

ParamSpec FileWriter::path_param(const std::string& what) {
  return ParamSpec::Path("path", what + " file to write; with several items use {stem}, {index}, {index:N} or {key}");
}

fs::path FileWriter::target_for(const Key& key) const {
  if (has_pattern_) return expand_path_pattern(pattern_, key);
  for (const Key* k = &key; k; k = k->parent().get())
    if (k->count() > 1)
      throw InputError("the writer receives several items (" + key.str() + " is one of " + std::to_string(k->count()) +
                       ") but its path " + pattern_.string() +
                       " has no {stem}, {index}, {index:N} or {key} to tell them apart");
  return pattern_;
}

void FileWriter::process(Context& ctx) {
  const Image& image = ctx.image_any_components("image");
  const fs::path target = target_for(*ctx.key());
  AtomicFile out(target);
  // Errors name the target the user asked for, not its temporary name.
  auto rename = [&](const char* what) {
    std::string msg = what;
    const std::string temp = out.temp_path().string();
    const std::string name = target.string();
    for (auto p = msg.find(temp); p != std::string::npos; p = msg.find(temp, p + name.size()))
      msg.replace(p, temp.size(), name);
    return msg;
  };
  try {
    write(image, out.temp_path(), target);
  } catch (const InputError& e) {
    throw InputError(rename(e.what()));
  } catch (const std::exception& e) {
    throw std::runtime_error(rename(e.what()));
  }
  out.commit();
}

}  // namespace mirflow::io
