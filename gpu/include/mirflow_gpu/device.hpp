#pragma once
// Device memory for the engine's images, through the CUDA runtime, and the installation of the
// GPU kernels that the physics and reconstruction libraries call for CUDA images.
#include <cstddef>
#include <string>

namespace mirflow::gpu {

int device_count();                   // 0 when no driver or no device
std::string device_name(int device);  // "" when absent
void* device_alloc(std::size_t bytes);  // zeroed; throws std::runtime_error with CUDA's message
void device_free(void* p);
// kind: 0 host->device, 1 device->host, 2 device->device
void copy(void* dst, const void* src, std::size_t bytes, int kind);

// Waits for every kernel launched so far (kernels run asynchronously; timings need this).
void synchronize();

// With a device present: registers the CUDA image allocator and the kernel tables
// (physics::DeviceKernels, ir::IrDeviceKernels) and returns true; without one, false.
bool install();

}  // namespace mirflow::gpu
