#include <mirflow/image.hpp>

#include "kernels.hpp"
#include "mirflow_gpu/device.hpp"

namespace mirflow::gpu {

namespace {
using namespace kernels;

const physics::DeviceKernels kPhysics{upload,   download, copy, fill,         axpy,   xpay,           scale,
                                      multiply, dot,      weighted_dot,       divide, joseph_forward, joseph_adjoint};

const ir::IrDeviceKernels kIr{gradient,
                              gradient_adjoint,
                              symmetrised_gradient,
                              symmetrised_gradient_adjoint,
                              gradient_minus_field,
                              gradient_minus_field_adjoint,
                              soft_threshold,
                              l1_value,
                              radial_shrink,
                              radial_value,
                              clamp_nonnegative,
                              minimum,
                              wavelet_forward,
                              wavelet_adjoint};
}  // namespace

bool install() {
  if (device_count() == 0) return false;
  DeviceAllocator a;
  a.allocate = [](std::size_t n) { return device_alloc(n); };
  a.free = [](void* p) { device_free(p); };
  set_device_allocator(Device::CUDA, a);
  physics::set_device_kernels(&kPhysics);
  ir::set_ir_device_kernels(&kIr);
  return true;
}

}  // namespace mirflow::gpu
