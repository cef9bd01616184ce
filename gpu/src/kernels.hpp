#pragma once
// The CUDA kernels behind physics::DeviceKernels and ir::IrDeviceKernels (private to gpu/; the
// tables in install.cpp point at these). Pointers are device memory.
#include <cstddef>
#include <cstdint>

#include <mirflow_ir/device_kernels.hpp>
#include <mirflow_physics/device_kernels.hpp>

namespace mirflow::gpu::kernels {

// Vectors (vector_kernels.cu).
void upload(void* dst, const void* src, std::size_t bytes);
void download(void* dst, const void* src, std::size_t bytes);
void copy(void* dst, const void* src, std::size_t bytes);
void fill(float* y, std::int64_t n, float v);
void axpy(float* y, const float* x, std::int64_t n, double a);
void xpay(float* y, const float* x, std::int64_t n, double a);
void scale(float* y, std::int64_t n, double s);
void multiply(float* y, const float* w, std::int64_t n);
double dot(const float* a, const float* b, std::int64_t n);
double weighted_dot(const float* w, const float* a, const float* b, std::int64_t n);
void divide(float* x, const float* r, const float* d0, const float* d1, double rho, std::int64_t n);

// Projector (projector_kernels.cu).
void joseph_forward(const double* rays, std::int64_t n_rays, physics::JosephGridArgs grid, const float* image,
                    float* sinogram);
void joseph_adjoint(const double* rays, std::int64_t n_rays, physics::JosephGridArgs grid, const float* sinogram,
                    float* image);

// Gradients (stencil_kernels.cu).
void gradient(const float* x, float* g, std::int64_t nx, std::int64_t ny, double ix, double iy);
void gradient_adjoint(const float* g, float* x, std::int64_t nx, std::int64_t ny, double ix, double iy);
void symmetrised_gradient(const float* w, float* e, std::int64_t nx, std::int64_t ny, double ix, double iy);
void symmetrised_gradient_adjoint(const float* e, float* w, std::int64_t nx, std::int64_t ny, double ix, double iy);
void gradient_minus_field(const float* x, const float* w, float* y, std::int64_t nx, std::int64_t ny, double ix,
                          double iy);
void gradient_minus_field_adjoint(const float* y, float* x, float* w, std::int64_t nx, std::int64_t ny, double ix,
                                  double iy);

// Priors (prox_kernels.cu).
void soft_threshold(const float* v, float* out, const float* w, std::int64_t n, double tau);
double l1_value(const float* x, const float* w, std::int64_t n);
void radial_shrink(const float* v, float* out, const float* w, std::int64_t n, int components, double tau,
                   ir::RadialKind kind, double delta);
double radial_value(const float* g, const float* w, std::int64_t n, int components, ir::RadialKind kind,
                    double delta);
void clamp_nonnegative(const float* v, float* out, std::int64_t n);
double minimum(const float* x, std::int64_t n);

// Wavelet (wavelet_kernels.cu).
void wavelet_forward(const float* x, float* c, const ir::WaveletArgs& a);
void wavelet_adjoint(const float* c, float* x, const ir::WaveletArgs& a);

}  // namespace mirflow::gpu::kernels
