#pragma once
// MIRFLOW_HOST_DEVICE marks the inline arithmetic that both the CPU code and the CUDA kernels of
// gpu/ compile (stencils, shrinkage factors, Joseph's ray walk), so that the two share one
// definition and agree by construction; the kernels add only the launch and the reduction.
#if defined(__CUDACC__)
#define MIRFLOW_HOST_DEVICE __host__ __device__
#else
#define MIRFLOW_HOST_DEVICE
#endif
