#pragma once
// The shape every writer node shares: a sink that writes each item's image to `path`
// (expanding {stem}, {index}, {index:N}, {key}) through an AtomicFile, so that a failed
// write leaves neither the target nor a temporary behind. Writers are thread-safe: process()
// touches no shared mutable state, so items are written in parallel.
#include <filesystem>
#include <string>

#include "mirflow/node.hpp"

namespace mirflow::io {

class FileWriter : public Node {
 public:
  explicit FileWriter(const NodeConfig& config);
  void process(Context& ctx) final;

  // The `path` parameter every writer declares.
  static ParamSpec path_param(const std::string& what);

  // Where the item with `key` goes: the pattern expanded, or the plain path when the item is
  // the only one. Throws InputError when a plain path would receive several items.
  std::filesystem::path target_for(const Key& key) const;

 protected:
  // Writes `image` to `temp` (the target's temporary name). Runs concurrently on different
  // items: must not touch shared mutable state.
  virtual void write(const Image& image, const std::filesystem::path& temp,
                     const std::filesystem::path& target) const = 0;
  const std::filesystem::path& pattern() const { return pattern_; }

 private:
  std::filesystem::path pattern_;
  bool has_pattern_ = false;
};

}  // namespace mirflow::io
