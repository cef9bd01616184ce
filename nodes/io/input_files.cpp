#include "input_files.hpp"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "mirflow/error.hpp"

namespace mirflow::io {

namespace fs = std::filesystem;

namespace {

bool wild(const std::string& s) { return s.find_first_of("*?") != std::string::npos; }

void check_readable(const fs::path& file) {
  std::error_code ec;
  const auto st = fs::status(file, ec);
  if (ec || !fs::exists(st)) throw InputError("input file not found: " + file.string());
  if (fs::is_directory(st)) throw InputError("input path is a folder, not a file: " + file.string());
  if (::access(file.c_str(), R_OK) != 0)
    throw InputError("input file is not readable: " + file.string() + " (" + std::strerror(errno) + ")");
}

}  // namespace

bool has_wildcard(const fs::path& path) { return wild(path.filename().string()); }

std::vector<fs::path> input_files(const fs::path& path) {
  if (wild(path.parent_path().string()))
    throw InputError("wildcards are supported in the file name only, not in folders: " + path.string());
  if (!has_wildcard(path)) {
    check_readable(path);
    return {path};
  }
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const std::string pattern = path.filename().string();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError("no file matches " + path.string() + ": folder " + dir.string() + " not found");
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (::fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
    std::error_code fe;
    if (!it->is_regular_file(fe)) continue;
    files.push_back(it->path());
  }
  if (ec) throw InputError("cannot list folder " + dir.string() + " for " + path.string() + ": " + ec.message());
  if (files.empty()) throw InputError("no file matches " + path.string());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) check_readable(f);
  return files;
}

}  // namespace mirflow::io
