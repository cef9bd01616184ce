#include "mirflow/atomic_file.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <regex>
#include <system_error>

#include "mirflow/error.hpp"
#include "mirflow/key.hpp"

namespace mirflow {

namespace fs = std::filesystem;

AtomicFile::AtomicFile(fs::path target) : target_(std::move(target)) {
  static std::atomic<unsigned> counter{0};
  if (target_.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(target_.parent_path(), ec);
    if (ec) throw InputError("cannot create directory " + target_.parent_path().string() + ": " + ec.message());
  }
  // Hidden, and ends in .part, so nothing mistakes it for a finished output.
  temp_ = target_.parent_path() /
          ("." + target_.filename().string() + "." + std::to_string(::getpid()) + "." +
           std::to_string(counter.fetch_add(1)) + ".part");
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicFile::commit() {
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) throw std::runtime_error("cannot rename " + temp_.string() + " to " + target_.string() + ": " + ec.message());
  committed_ = true;
}

bool path_has_pattern(const fs::path& pattern) {
  static const std::regex re(R"(\{(stem|key|index(:\d+)?)\})");
  return std::regex_search(pattern.string(), re);
}

fs::path expand_path_pattern(const fs::path& pattern, const Key& key) {
  std::string s = pattern.string();
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  };
  std::string stem = key.top_label();
  for (const char* ext : {".nii.gz", ".nii", ".npy", ".png", ".dcm"}) {
    const std::string e = ext;
    if (stem.size() > e.size() && stem.compare(stem.size() - e.size(), e.size(), e) == 0) {
      stem.resize(stem.size() - e.size());
      break;
    }
  }
  std::string k = key.str();
  for (char& c : k)
    if (c == '/' || c == '=' || c == ' ') c = '_';
  replace_all("{stem}", stem);
  replace_all("{key}", k);
  replace_all("{index}", std::to_string(key.index()));
  static const std::regex padded(R"(\{index:(\d+)\})");
  std::smatch m;
  while (std::regex_search(s, m, padded)) {
    std::string idx = std::to_string(key.index());
    std::size_t width = std::stoul(m[1].str());
    if (idx.size() < width) idx.insert(0, width - idx.size(), '0');
    s.replace(m.position(0), m.length(0), idx);
  }
  return s;
}

}  // namespace mirflow
