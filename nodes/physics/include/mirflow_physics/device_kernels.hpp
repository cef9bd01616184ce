#pragma once
// Kernels for float32 images in CUDA device memory, supplied at run time.
//
// The physics and reconstruction libraries build without CUDA. The gpu plugin (gpu/) fills this
// table when it loads on a machine with a device, and the operators and the solver's vector
// helpers call it for images whose storage is on Device::CUDA, so that a solver keeps every
// buffer on the device between iterations. Pointers are device memory unless named host_;
// lengths count floats. Reductions accumulate in double, in a fixed order (deterministic).
#include <cstddef>
#include <cstdint>

#include <mirflow/image.hpp>

namespace mirflow::physics {

// The image grid of a Joseph projector (detail::Grid's numbers).
struct JosephGridArgs {
  std::int64_t nx, ny;
  double dx, dy, x0, y0;
};

struct DeviceKernels {
  // Memory.
  void (*upload)(void* dst, const void* host_src, std::size_t bytes);
  void (*download)(void* host_dst, const void* src, std::size_t bytes);
  void (*copy)(void* dst, const void* src, std::size_t bytes);
  // Vectors.
  void (*fill)(float* y, std::int64_t n, float v);
  void (*axpy)(float* y, const float* x, std::int64_t n, double a);  // y += a·x
  void (*xpay)(float* y, const float* x, std::int64_t n, double a);  // y = x + a·y
  void (*scale)(float* y, std::int64_t n, double s);                 // y *= s
  void (*multiply)(float* y, const float* w, std::int64_t n);        // y *= w
  double (*dot)(const float* a, const float* b, std::int64_t n);     // Σ a·b
  double (*weighted_dot)(const float* w, const float* a, const float* b, std::int64_t n);  // Σ w·a·b
  // x = r / (d0 + ρ·d1), 0 where that sum is not positive.
  void (*divide)(float* x, const float* r, const float* d0, const float* d1, double rho, std::int64_t n);
  // Joseph's projector over a table of rays (px, py, ux, uy per ray, doubles, device memory):
  // forward gathers one ray per thread; the adjoint zeroes `image` and scatters with atomics.
  void (*joseph_forward)(const double* rays, std::int64_t n_rays, JosephGridArgs grid, const float* image,
                         float* sinogram);
  void (*joseph_adjoint)(const double* rays, std::int64_t n_rays, JosephGridArgs grid, const float* sinogram,
                         float* image);
};

// The installed table, or null (no gpu plugin, or no device).
const DeviceKernels* device_kernels();
void set_device_kernels(const DeviceKernels* kernels);
// The table, or std::runtime_error naming `who` when there is none.
const DeviceKernels& require_device_kernels(const char* who);
// That error (shared with the reconstruction library's table): `who` met a CUDA image, and no
// kernels are installed.
[[noreturn]] void throw_no_device_kernels(const char* who);

inline bool on_device(const Image& im) { return im.device() == Device::CUDA; }

// A copy of `im` (contiguous) in device memory, or on the host (`to` = Device::CPU); `im` itself
// when it is already there and contiguous. Geometry and metadata are kept.
Image to_device(const Image& im, Device to);

}  // namespace mirflow::physics
