#include <cstring>

#include "nodes.hpp"
#include <mirflow/memory_stats.hpp>

namespace mirflow::flow {

struct Stack::Partial {
  Image volume;
  KeyPtr parent;
  std::int64_t received = 0;
  std::vector<bool> seen;
};

Stack::Stack(const NodeConfig&) {}
Stack::~Stack() = default;

NodeSpec Stack::spec() {
  return NodeSpec("flow.stack", "Gathers the slices of each volume (any arrival order) into one volume, restoring its geometry.")
      .input("slice", kImagePort, "2-D slices keyed by index under a common parent")
      .output("volume", kImagePort, "the volume, emitted under the parent's key when its last slice arrives")
      .serial();
}

void Stack::process(Context& ctx) {
  const Image& s = ctx.image_any_components("slice");
  const KeyPtr& key = ctx.key();
  if (s.ndim() != 2) throw std::invalid_argument("flow.stack takes 2-D slices, got " + s.describe());
  if (!key->parent()) throw std::invalid_argument("flow.stack got an item with no parent key");
  const std::int64_t n = key->count(), z = key->index();

  auto& p = partial_[key->parent().get()];
  if (!p) {
    p = std::make_unique<Partial>();
    p->parent = key->parent();
    p->seen.assign(static_cast<std::size_t>(n), false);
    p->volume = Image::allocate(s.dtype(), {s.nx(), s.ny(), n}, 3, Device::CPU, s.components());
    // Slice z's origin lies z steps along the third axis from the volume's.
    Geometry g = s.geometry();
    for (int r = 0; r < 3; ++r) g.origin[r] -= g.direction[r * 3 + 2] * g.spacing[2] * static_cast<double>(z);
    p->volume.geometry() = g;
    p->volume.metadata() = s.metadata();
  }
  Image& v = p->volume;
  if (s.nx() != v.nx() || s.ny() != v.ny() || s.dtype() != v.dtype() || s.components() != v.components())
    throw std::invalid_argument("slice " + s.describe() + " does not match the volume " + v.describe());
  if (z < 0 || z >= v.nz() || p->seen[static_cast<std::size_t>(z)])
    throw std::invalid_argument("slice index " + std::to_string(z) + " repeated or outside 0.." + std::to_string(v.nz() - 1));

  // Copy the slice into place (row by row: the slice may be a strided view). A pixel is
  // `components` values side by side, so it moves as one block of `ps` bytes.
  const std::size_t es = dtype_size(s.dtype());
  const std::int64_t nc = s.components();
  const std::size_t ps = es * static_cast<std::size_t>(nc);
  char* dst = static_cast<char*>(v.raw()) + static_cast<std::size_t>(z * v.strides()[2]) * es;
  const char* src = static_cast<const char*>(s.raw());
  if (s.strides()[0] == nc) {
    for (std::int64_t y = 0; y < s.ny(); ++y)
      std::memcpy(dst + static_cast<std::size_t>(y * v.nx()) * ps, src + static_cast<std::size_t>(y * s.strides()[1]) * es,
                  static_cast<std::size_t>(s.nx()) * ps);
  } else {
    for (std::int64_t y = 0; y < s.ny(); ++y)
      for (std::int64_t x = 0; x < s.nx(); ++x)
        std::memcpy(dst + static_cast<std::size_t>(y * v.nx() + x) * ps,
                    src + static_cast<std::size_t>(y * s.strides()[1] + x * s.strides()[0]) * es, ps);
  }
  note_copied(s.bytes());
  p->seen[static_cast<std::size_t>(z)] = true;
  if (z == 0) v.metadata() = s.metadata();  // slice 0's, whatever the arrival order

  if (++p->received == n) {
    ctx.emit(p->parent, {{"volume", std::any(p->volume)}});
    partial_.erase(key->parent().get());
  }
}

}  // namespace mirflow::flow
