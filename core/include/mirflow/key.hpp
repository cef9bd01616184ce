#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace mirflow {

class Key;
using KeyPtr = std::shared_ptr<const Key>;

// Names one work item: a path from the run's root through each fan-out (a file of a list,
// a slice of a volume). Joins match on `tag()`, never on arrival order; a gathering node
// (the stacker) groups children by `parent()` and knows from `count()` when it has them all.
class Key {
 public:
  static KeyPtr root(std::string label);
  // `token` keeps the item counted as in flight while any copy of this key (or a child) lives.
  static KeyPtr child(KeyPtr parent, std::string label, std::int64_t index, std::int64_t count,
                      std::shared_ptr<void> token = nullptr);

  const KeyPtr& parent() const { return parent_; }
  const std::string& label() const { return label_; }
  std::int64_t index() const { return index_; }
  std::int64_t count() const { return count_; }
  std::uint64_t tag() const { return tag_; }
  int depth() const { return depth_; }
  // "ch2.nii.gz/z=37": the labels below the root joined by '/' (the root alone: its label).
  std::string str() const;
  // The label of the first level below the root (the input file of a list), or "".
  std::string top_label() const;

 private:
  KeyPtr parent_;
  std::string label_;
  std::int64_t index_ = 0, count_ = 1;
  std::uint64_t tag_ = 0;
  int depth_ = 0;
  std::shared_ptr<void> token_;
};

}  // namespace mirflow
