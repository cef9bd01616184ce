#pragma once
#include <filesystem>
#include <string>

namespace mirflow {

// Writes go to a temporary name beside the target and are renamed into place by commit(),
// so a failed write never leaves a file that looks complete. Without commit(), the
// destructor removes the temporary file.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Where to write (same directory as the target; parents are created).
  const std::filesystem::path& temp_path() const { return temp_; }
  const std::filesystem::path& target() const { return target_; }
  void commit();  // rename temp -> target; throws on failure

 private:
  std::filesystem::path target_, temp_;
  bool committed_ = false;
};

// Expands {stem}, {index}, {index:N} (zero-padded to N digits), {key} in a writer's path
// pattern for one work item. {key} is unique per item; {stem} and {index} alone may not be
// (the slices of several files): choose the pattern to match the stream.
std::filesystem::path expand_path_pattern(const std::filesystem::path& pattern, const class Key& key);
bool path_has_pattern(const std::filesystem::path& pattern);

}  // namespace mirflow
