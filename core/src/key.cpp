#include "mirflow/key.hpp"

namespace mirflow {

namespace {
// FNV-1a, then mixed with the parent's tag and the index: a 64-bit tag per distinct key path.
std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}
std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  a ^= b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2);
  a ^= a >> 31;
  a *= 0xbf58476d1ce4e5b9ull;
  return a ^ (a >> 29);
}
}  // namespace

KeyPtr Key::root(std::string label) {
  auto k = std::make_shared<Key>();
  k->tag_ = fnv1a(label);
  k->label_ = std::move(label);
  return k;
}

KeyPtr Key::child(KeyPtr parent, std::string label, std::int64_t index, std::int64_t count,
                  std::shared_ptr<void> token) {
  auto k = std::make_shared<Key>();
  k->tag_ = mix(mix(parent ? parent->tag_ : 0, fnv1a(label)), static_cast<std::uint64_t>(index));
  k->depth_ = parent ? parent->depth_ + 1 : 1;
  k->parent_ = std::move(parent);
  k->label_ = std::move(label);
  k->index_ = index;
  k->count_ = count;
  k->token_ = std::move(token);
  return k;
}

std::string Key::str() const {
  if (!parent_) return label_;
  if (!parent_->parent_) return label_;
  return parent_->str() + "/" + label_;
}

std::string Key::top_label() const {
  const Key* k = this;
  if (!k->parent_) return "";
  while (k->parent_ && k->parent_->parent_) k = k->parent_.get();
  return k->label_;
}

}  // namespace mirflow
