#pragma once
// Visiting an image's pixels row by row in x-fastest order, for writers: an image may be a
// strided view (a crop, a slice), so its rows are not always one block of memory.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "mirflow/image.hpp"

namespace mirflow::io {

// Calls `sink(const void* bytes, std::size_t n)` with the pixels of `image` in x-fastest order
// (a colour pixel's components side by side):
// once with everything when the image is contiguous, else once per row (x-strided rows are
// gathered into one small row buffer, never into a copy of the image). The image must be on the CPU.
template <class Sink>
void for_each_row(const Image& image, Sink&& sink) {
  const std::size_t value = dtype_size(image.dtype());
  const std::int64_t nc = image.components();
  const std::size_t elem = value * static_cast<std::size_t>(nc);  // bytes per pixel
  const auto* base = static_cast<const unsigned char*>(image.raw());
  if (image.contiguous()) {
    sink(static_cast<const void*>(base), image.bytes());
    return;
  }
  const auto& st = image.strides();
  const std::size_t row_bytes = static_cast<std::size_t>(image.nx()) * elem;
  std::vector<unsigned char> row(st[0] == nc ? 0 : row_bytes);
  for (std::int64_t z = 0; z < image.nz(); ++z)
    for (std::int64_t y = 0; y < image.ny(); ++y) {
      const unsigned char* p = base + static_cast<std::size_t>(y * st[1] + z * st[2]) * value;
      if (st[0] == nc) {
        sink(static_cast<const void*>(p), row_bytes);
        continue;
      }
      for (std::int64_t x = 0; x < image.nx(); ++x)
        std::memcpy(row.data() + static_cast<std::size_t>(x) * elem, p + static_cast<std::size_t>(x * st[0]) * value,
                    elem);
      sink(static_cast<const void*>(row.data()), row_bytes);
    }
}

}  // namespace mirflow::io
