#include "mirflow_ir/device_kernels.hpp"

#include <atomic>
#include <stdexcept>
#include <string>

namespace mirflow::ir {
namespace {
std::atomic<const IrDeviceKernels*> g_kernels{nullptr};
}

const IrDeviceKernels* ir_device_kernels() { return g_kernels.load(); }
void set_ir_device_kernels(const IrDeviceKernels* kernels) { g_kernels.store(kernels); }

const IrDeviceKernels& require_ir_device_kernels(const char* who) {
  const IrDeviceKernels* k = g_kernels.load();
  if (!k)
    throw std::runtime_error(std::string(who) +
                             ": the image is in CUDA memory but no GPU kernels are loaded (the gpu plugin installs "
                             "them on a machine with a device)");
  return *k;
}

}  // namespace mirflow::ir
