#pragma once
// Filling and copying runs of floats in host or CUDA memory (private to the library): the
// plane operators and the solver's vectors work on either.
#include <algorithm>
#include <cstring>

#include <mirflow/image.hpp>
#include <mirflow_physics/device_kernels.hpp>

namespace mirflow::ir::detail {

inline void fill_floats(Device device, float* p, std::int64_t n, float v) {
  if (n <= 0) return;
  if (device == Device::CUDA) return physics::require_device_kernels("fill").fill(p, n, v);
  std::fill(p, p + n, v);
}

inline void copy_floats(Device device, float* dst, const float* src, std::int64_t n) {
  if (n <= 0) return;
  if (device == Device::CUDA) return physics::require_device_kernels("copy").copy(dst, src, std::size_t(n) * sizeof(float));
  std::memcpy(dst, src, std::size_t(n) * sizeof(float));
}

}  // namespace mirflow::ir::detail
