#pragma once
// The reconstruction library's kernels for float32 images in CUDA device memory: gradients,
// TGV's maps, the proxes and values of the built-in priors and the Daubechies-4 wavelet. Filled
// at run time by the gpu plugin (gpu/), as physics::DeviceKernels is; pointers are device
// memory, `n` counts floats (or pixels of one plane for fields), `w` is an optional per-pixel
// weight map (null: 1). Reductions accumulate in double in a fixed order.
#include <array>
#include <cstdint>

namespace mirflow::ir {

// Which radial shrinkage a field prior applies (stencils.hpp).
enum class RadialKind : int { GroupL1 = 0, Huber = 1 };

struct WaveletArgs {
  std::int64_t nx, ny;    // image
  std::int64_t nxp, nyp;  // padded grid (multiples of 2^levels)
  std::int64_t sx, sy;    // circular shift on the padded grid
  int levels;
  std::array<double, 4> h, g;  // analysis filters
};

struct IrDeviceKernels {
  // ∇ and ∇ᴴ (GradientOperator's layout: x plane then y plane), ix/iy = 1/spacing.
  void (*gradient)(const float* x, float* g, std::int64_t nx, std::int64_t ny, double ix, double iy);
  void (*gradient_adjoint)(const float* g, float* x, std::int64_t nx, std::int64_t ny, double ix, double iy);
  // E and Eᴴ of SymmetrisedGradient (2 planes ↔ 3 planes).
  void (*symmetrised_gradient)(const float* w, float* e, std::int64_t nx, std::int64_t ny, double ix, double iy);
  void (*symmetrised_gradient_adjoint)(const float* e, float* w, std::int64_t nx, std::int64_t ny, double ix,
                                       double iy);
  // GradientMinusField: y = ∇x − w, and its adjoint x = ∇ᴴy, w = −y (x and w: planes of the variable).
  void (*gradient_minus_field)(const float* x, const float* w, float* y, std::int64_t nx, std::int64_t ny,
                               double ix, double iy);
  void (*gradient_minus_field_adjoint)(const float* y, float* x, float* w, std::int64_t nx, std::int64_t ny,
                                       double ix, double iy);
  // Priors: prox and value.
  void (*soft_threshold)(const float* v, float* out, const float* w, std::int64_t n, double tau);
  double (*l1_value)(const float* x, const float* w, std::int64_t n);
  void (*radial_shrink)(const float* v, float* out, const float* w, std::int64_t n, int components, double tau,
                        RadialKind kind, double delta);
  double (*radial_value)(const float* g, const float* w, std::int64_t n, int components, RadialKind kind,
                         double delta);
  void (*clamp_nonnegative)(const float* v, float* out, std::int64_t n);
  double (*minimum)(const float* x, std::int64_t n);
  // Daubechies4Wavelet: c = W·S·P x and x = Pᴴ Sᴴ Wᴴ c.
  void (*wavelet_forward)(const float* x, float* c, const WaveletArgs& a);
  void (*wavelet_adjoint)(const float* c, float* x, const WaveletArgs& a);
};

const IrDeviceKernels* ir_device_kernels();
void set_ir_device_kernels(const IrDeviceKernels* kernels);
const IrDeviceKernels& require_ir_device_kernels(const char* who);  // std::runtime_error naming `who`

}  // namespace mirflow::ir
