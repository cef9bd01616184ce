// The Daubechies-4 wavelet (Daubechies4Wavelet) on the device. Each 1-D pass computes every
// output coefficient of the current coarse block in its own thread (wavelet_pass.hpp: the same
// float inputs, double sums and order as the CPU's line_step) into a scratch block that is then
// copied back.
#include "kernels.hpp"
#include "launch.cuh"
#include "wavelet_pass.hpp"

namespace mirflow::gpu::kernels {

namespace {

using wavelet::Taps;

Taps taps_of(const ir::WaveletArgs& a) {
  Taps t;
  for (int m = 0; m < 4; ++m) t.h[m] = a.h[std::size_t(m)], t.g[m] = a.g[std::size_t(m)];
  return t;
}

// One pass over the cx × cy block of c into tmp, then back into c (wavelet_pass.hpp).
void pass(float* c, float* tmp, std::int64_t nxp, std::int64_t cx, std::int64_t cy, bool along_x, bool inverse,
          const Taps& t) {
  detail::for_each(
      cx * cy,
      [=] __device__(std::int64_t q) { tmp[q] = wavelet::pass_value(c, nxp, cx, cy, q, along_x, inverse, t); },
      "wavelet pass");
  detail::for_each(
      cx * cy, [=] __device__(std::int64_t q) { c[wavelet::block_index(q, cx, nxp)] = tmp[q]; }, "wavelet copy-back");
}

}  // namespace

void wavelet_forward(const float* x, float* c, const ir::WaveletArgs& a) {
  const std::int64_t nx = a.nx, nxp = a.nxp, nyp = a.nyp, sx = a.sx, sy = a.sy;
  fill(c, nxp * nyp, 0.f);
  detail::for_each(
      a.nx * a.ny,
      [=] __device__(std::int64_t p) { c[wavelet::padded_index(p, nx, nxp, nyp, sx, sy)] = x[p]; },
      "wavelet pad");
  float* tmp = static_cast<float*>(detail::scratch(0, std::size_t(nxp * nyp) * sizeof(float)));
  const Taps t = taps_of(a);
  std::int64_t cx = nxp, cy = nyp;
  for (int l = 0; l < a.levels; ++l, cx /= 2, cy /= 2) {
    pass(c, tmp, nxp, cx, cy, true, false, t);
    pass(c, tmp, nxp, cx, cy, false, false, t);
  }
}

void wavelet_adjoint(const float* c, float* x, const ir::WaveletArgs& a) {
  const std::int64_t nx = a.nx, nxp = a.nxp, nyp = a.nyp, sx = a.sx, sy = a.sy;
  float* g = static_cast<float*>(detail::scratch(1, std::size_t(nxp * nyp) * sizeof(float)));
  float* tmp = static_cast<float*>(detail::scratch(0, std::size_t(nxp * nyp) * sizeof(float)));
  copy(g, c, std::size_t(nxp * nyp) * sizeof(float));
  const Taps t = taps_of(a);
  for (int l = a.levels - 1; l >= 0; --l) {
    const std::int64_t cx = nxp >> l, cy = nyp >> l;
    pass(g, tmp, nxp, cx, cy, false, true, t);
    pass(g, tmp, nxp, cx, cy, true, true, t);
  }
  detail::for_each(
      a.nx * a.ny,
      [=] __device__(std::int64_t p) { x[p] = g[wavelet::padded_index(p, nx, nxp, nyp, sx, sy)]; },
      "wavelet crop");
}

}  // namespace mirflow::gpu::kernels
