#include "mirflow_ir/device_kernels.hpp"

#include <atomic>

#include <mirflow_physics/device_kernels.hpp>

namespace mirflow::ir {
namespace {
std::atomic<const IrDeviceKernels*> g_kernels{nullptr};
}

const IrDeviceKernels* ir_device_kernels() { return g_kernels.load(); }
void set_ir_device_kernels(const IrDeviceKernels* kernels) { g_kernels.store(kernels); }

const IrDeviceKernels& require_ir_device_kernels(const char* who) {
  const IrDeviceKernels* k = g_kernels.load();
  if (!k) physics::throw_no_device_kernels(who);
  return *k;
}

}  // namespace mirflow::ir
