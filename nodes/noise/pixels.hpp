#pragma once
// Reading any image as doubles in raster order (x fastest, then y, then z — the order in which
// the noise nodes draw their random numbers), and the float32 output they all produce.
#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <mirflow/image.hpp>
#include <mirflow_imgproc/sigma_metadata.hpp>

namespace mirflow::noise {

// Calls f(i, v) for every pixel, i the raster index (0 .. size-1) and v its value as double.
// Works on strided views (a slice of a volume) of any dtype; CPU images only.
template <class F> void visit_pixels(const Image& im, F&& f) {
  if (im.device() != Device::CPU) throw std::invalid_argument("noise nodes need a CPU image, got " + im.describe());
  const auto& st = im.strides();
  dispatch_dtype(im.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = im.data<T>();
    std::int64_t i = 0;
    for (std::int64_t z = 0; z < im.nz(); ++z)
      for (std::int64_t y = 0; y < im.ny(); ++y) {
        const T* row = p + z * st[2] + y * st[1];
        for (std::int64_t x = 0; x < im.nx(); ++x) f(i++, static_cast<double>(row[x * st[0]]));
      }
  });
}

// The largest |value| among the finite pixels (0 for an empty or all-non-finite image).
double max_abs(const Image& im);

// A new contiguous float32 image with the input's shape, geometry and metadata.
Image float_like(const Image& in);

// Shortest decimal text that reads back as the same double (for metadata values).
using imgproc::number_text;

}  // namespace mirflow::noise
