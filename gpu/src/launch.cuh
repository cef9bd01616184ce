#pragma once
// Launch and reduction helpers shared by the kernel files (private to gpu/).
#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace mirflow::gpu::detail {

inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(e));
}

constexpr int kThreads = 256;
// Blocks for n elements, one element per thread and grid-stride loops past 65535·256.
inline int blocks_for(std::int64_t n) {
  const std::int64_t b = (n + kThreads - 1) / kThreads;
  return int(b < 1 ? 1 : (b > 65535 ? 65535 : b));
}

template <class F> __global__ void for_each_kernel(std::int64_t n, F f) {
  for (std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += std::int64_t(gridDim.x) * blockDim.x)
    f(i);
}

// Runs f(i) for i < n on the device (f: a __device__ lambda), then checks the launch.
template <class F> void for_each(std::int64_t n, F f, const char* what) {
  if (n <= 0) return;
  for_each_kernel<<<blocks_for(n), kThreads>>>(n, f);
  check(cudaGetLastError(), what);
}

// Reductions use a fixed grid (kReduceBlocks × kThreads) and a fixed tree, and the host adds the
// block partials in order: the same inputs give the same double on every run.
constexpr int kReduceBlocks = 240;

template <class F, class Op>
__global__ void reduce_kernel(std::int64_t n, F f, Op op, double init, double* partial) {
  __shared__ double s[kThreads];
  double acc = init;
  for (std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += std::int64_t(gridDim.x) * blockDim.x)
    acc = op(acc, f(i));
  s[threadIdx.x] = acc;
  __syncthreads();
  for (int h = kThreads / 2; h > 0; h /= 2) {
    if (int(threadIdx.x) < h) s[threadIdx.x] = op(s[threadIdx.x], s[threadIdx.x + h]);
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[blockIdx.x] = s[0];
}

// Device scratch for the partials, one per host thread (solvers may run concurrently).
double* reduce_scratch();

template <class F, class Op, class HostOp>
double reduce(std::int64_t n, F f, Op op, HostOp host_op, double init, const char* what) {
  double* partial = reduce_scratch();
  reduce_kernel<<<kReduceBlocks, kThreads>>>(n, f, op, init, partial);
  check(cudaGetLastError(), what);
  std::vector<double> host(kReduceBlocks);
  check(cudaMemcpy(host.data(), partial, sizeof(double) * kReduceBlocks, cudaMemcpyDeviceToHost), what);
  double r = init;
  for (double v : host) r = host_op(r, v);
  return r;
}

template <class F> double reduce_sum(std::int64_t n, F f, const char* what) {
  return reduce(n, f, [] __device__(double a, double b) { return a + b; }, [](double a, double b) { return a + b; },
                0.0, what);
}

// A device buffer of at least `bytes`, kept per host thread and per slot (scratch of the
// wavelet passes); grown on demand, never shrunk.
void* scratch(int slot, std::size_t bytes);

}  // namespace mirflow::gpu::detail
