#include "mirflow_physics/device_kernels.hpp"

#include <atomic>
#include <stdexcept>
#include <string>

#include <mirflow/memory_stats.hpp>

namespace mirflow::physics {
namespace {
std::atomic<const DeviceKernels*> g_kernels{nullptr};
}

const DeviceKernels* device_kernels() { return g_kernels.load(); }
void set_device_kernels(const DeviceKernels* kernels) { g_kernels.store(kernels); }

void throw_no_device_kernels(const char* who) {
  throw std::runtime_error(std::string(who) +
                           ": the image is in CUDA memory but no GPU kernels are loaded (the gpu plugin installs "
                           "them on a machine with a device)");
}

const DeviceKernels& require_device_kernels(const char* who) {
  const DeviceKernels* k = g_kernels.load();
  if (!k) throw_no_device_kernels(who);
  return *k;
}

Image to_device(const Image& im, Device to) {
  if (im.empty() || (im.device() == to && im.contiguous())) return im;
  if (im.device() == Device::CPU && to == Device::CPU) return im.clone();  // host to host: no kernels needed
  if (im.device() != Device::CPU && to != Device::CPU && !im.contiguous())
    throw std::invalid_argument("to_device: a strided device image (" + im.describe() + ")");
  const DeviceKernels& k = require_device_kernels("to_device");
  const Image src = im.contiguous() ? im : im.clone();
  Image out = Image::allocate(src.dtype(), src.shape(), src.ndim(), to, src.components());
  if (to == Device::CUDA && src.device() == Device::CPU) k.upload(out.raw(), src.raw(), src.bytes());
  else if (to == Device::CPU) k.download(out.raw(), src.raw(), src.bytes());
  else k.copy(out.raw(), src.raw(), src.bytes());
  note_copied(src.bytes());
  out.geometry() = src.geometry();
  out.metadata() = src.metadata();
  return out;
}

}  // namespace mirflow::physics
