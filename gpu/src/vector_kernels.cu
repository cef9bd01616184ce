// Vector kernels of physics::DeviceKernels: memory, BLAS-1 and the solver's closed-form step.
#include "kernels.hpp"
#include "launch.cuh"

namespace mirflow::gpu::kernels {

using detail::check;
using detail::for_each;
using detail::reduce_sum;

void upload(void* dst, const void* src, std::size_t bytes) {
  check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "upload");
}
void download(void* dst, const void* src, std::size_t bytes) {
  check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "download");
}
void copy(void* dst, const void* src, std::size_t bytes) {
  check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice), "copy");
}

void fill(float* y, std::int64_t n, float v) {
  for_each(n, [=] __device__(std::int64_t i) { y[i] = v; }, "fill");
}
void axpy(float* y, const float* x, std::int64_t n, double a) {
  for_each(n, [=] __device__(std::int64_t i) { y[i] = float(double(y[i]) + a * double(x[i])); }, "axpy");
}
void xpay(float* y, const float* x, std::int64_t n, double a) {
  for_each(n, [=] __device__(std::int64_t i) { y[i] = float(double(x[i]) + a * double(y[i])); }, "xpay");
}
void scale(float* y, std::int64_t n, double s) {
  for_each(n, [=] __device__(std::int64_t i) { y[i] = float(double(y[i]) * s); }, "scale");
}
void multiply(float* y, const float* w, std::int64_t n) {
  for_each(n, [=] __device__(std::int64_t i) { y[i] *= w[i]; }, "multiply");
}
double dot(const float* a, const float* b, std::int64_t n) {
  return reduce_sum(n, [=] __device__(std::int64_t i) { return double(a[i]) * double(b[i]); }, "dot");
}
double weighted_dot(const float* w, const float* a, const float* b, std::int64_t n) {
  return reduce_sum(n, [=] __device__(std::int64_t i) { return double(w[i]) * double(a[i]) * double(b[i]); },
                    "weighted_dot");
}
void divide(float* x, const float* r, const float* d0, const float* d1, double rho, std::int64_t n) {
  for_each(
      n,
      [=] __device__(std::int64_t i) {
        const double d = double(d0[i]) + rho * double(d1[i]);
        x[i] = d > 0 ? float(double(r[i]) / d) : 0.f;
      },
      "divide");
}

}  // namespace mirflow::gpu::kernels
