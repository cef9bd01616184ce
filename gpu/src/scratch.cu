#include "launch.cuh"

namespace mirflow::gpu::detail {
namespace {
struct Buffer {
  void* p = nullptr;
  std::size_t bytes = 0;
  ~Buffer() {
    if (p) cudaFree(p);  // at thread exit; an error (context already gone) is of no use here
  }
};
}  // namespace

void* scratch(int slot, std::size_t bytes) {
  thread_local Buffer buffers[4];
  Buffer& b = buffers[slot];
  if (b.bytes < bytes) {
    if (b.p) cudaFree(b.p);
    b.p = nullptr, b.bytes = 0;
    check(cudaMalloc(&b.p, bytes), "scratch allocation");
    b.bytes = bytes;
  }
  return b.p;
}

double* reduce_scratch() { return static_cast<double*>(scratch(3, sizeof(double) * kReduceBlocks)); }

}  // namespace mirflow::gpu::detail
