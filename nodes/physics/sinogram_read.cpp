#include <fnmatch.h>

#include <algorithm>

#include <mirflow/error.hpp>

#include "mirflow_physics/sinogram_file.hpp"
#include "nodes.hpp"

namespace mirflow::physics {

namespace fs = std::filesystem;

namespace {
// One file, or a pattern with * or ? in the file name (sorted; hidden files only for a
// pattern starting with '.', so writers' temporaries are never picked up).
std::vector<fs::path> sinogram_files(const fs::path& path) {
  const std::string name = path.filename().string();
  if (name.find_first_of("*?[") == std::string::npos) {
    if (!fs::is_regular_file(path)) throw InputError(path.string() + ": no such sinogram file");
    return {path};
  }
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (dir.string().find_first_of("*?[") != std::string::npos)
    throw InputError(path.string() + ": wildcards are allowed in the file name only");
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (!e.is_regular_file() || (f[0] == '.' && name[0] != '.')) continue;
    if (fnmatch(name.c_str(), f.c_str(), 0) == 0) out.push_back(e.path());
  }
  if (ec) throw InputError(dir.string() + ": cannot list the folder (" + ec.message() + ")");
  if (out.empty()) throw InputError(path.string() + ": the pattern matches no file");
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

SinogramRead::SinogramRead(const NodeConfig& config) : files_(sinogram_files(config.params.get_path("path"))) {
  // Every pair is checked now (headers and sidecars), so bad input stops the run before any work.
  for (const auto& f : files_) check_sinogram_file(f);
}

NodeSpec SinogramRead::spec() {
  return NodeSpec("physics.sinogram_read", "Reads sinograms: x.npy (float32 views × bins) with its geometry sidecar x.json.")
      .output("sinogram", kSinogramPort, "the sinogram and its projection geometry")
      .param(ParamSpec::Path("path", ".npy file to read, or a pattern with * or ? in the file name (one item per file, sorted)"));
}

void SinogramRead::process(Context& ctx) {
  std::vector<std::string> labels;
  for (const auto& f : files_) labels.push_back(f.filename().string());
  ctx.expand(std::move(labels), [files = files_](std::int64_t i) -> Outputs {
    return {{"sinogram", std::any(read_sinogram(files[static_cast<std::size_t>(i)]))}};
  });
}

}  // namespace mirflow::physics
