#include <mirflow/image.hpp>

#include "kernels.hpp"
#include "mirflow_gpu/device.hpp"

namespace mirflow::gpu {

namespace {
using namespace kernels;

// Designated initialisers: a field order that changes in the headers cannot shift an entry.
const physics::DeviceKernels kPhysics{.upload = upload,
                                      .download = download,
                                      .copy = copy,
                                      .fill = fill,
                                      .axpy = axpy,
                                      .xpay = xpay,
                                      .scale = scale,
                                      .multiply = multiply,
                                      .dot = dot,
                                      .weighted_dot = weighted_dot,
                                      .divide = divide,
                                      .joseph_forward = joseph_forward,
                                      .joseph_adjoint = joseph_adjoint};

const ir::IrDeviceKernels kIr{.gradient = gradient,
                              .gradient_adjoint = gradient_adjoint,
                              .symmetrised_gradient = symmetrised_gradient,
                              .symmetrised_gradient_adjoint = symmetrised_gradient_adjoint,
                              .gradient_minus_field = gradient_minus_field,
                              .gradient_minus_field_adjoint = gradient_minus_field_adjoint,
                              .soft_threshold = soft_threshold,
                              .l1_value = l1_value,
                              .radial_shrink = radial_shrink,
                              .radial_value = radial_value,
                              .clamp_nonnegative = clamp_nonnegative,
                              .minimum = minimum,
                              .wavelet_forward = wavelet_forward,
                              .wavelet_adjoint = wavelet_adjoint};
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
