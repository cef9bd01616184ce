#pragma once
// The per-coefficient arithmetic of the device wavelet (wavelet_kernels.cu), as host-and-device
// functions so that a host test can run the very same code against Daubechies4Wavelet on a
// machine without a device (tests/gpu/test_wavelet_passes.cpp).
#include <cstdint>

#include <mirflow/host_device.hpp>

namespace mirflow::gpu::wavelet {

struct Taps {
  double h[4], g[4];
};

// Coefficient q (= j·cx + i) of one analysis (inverse = false) or synthesis pass over the cx × cy
// block of c (row stride nxp), along rows (along_x) or columns: the same floats, and the same
// double sums in the same order, as the CPU's line_step.
MIRFLOW_HOST_DEVICE inline float pass_value(const float* c, std::int64_t nxp, std::int64_t cx, std::int64_t cy,
                                            std::int64_t q, bool along_x, bool inverse, const Taps& t) {
  const std::int64_t i = q % cx, j = q / cx;
  const std::int64_t n = along_x ? cx : cy;  // line length
  const std::int64_t h = n / 2;
  const std::int64_t pos = along_x ? i : j;  // position on the line
  auto in = [&](std::int64_t k) { return double(along_x ? c[j * nxp + k] : c[k * nxp + i]); };
  double s = 0;
  if (!inverse) {
    const std::int64_t k = pos < h ? pos : pos - h;
    const double* f = pos < h ? t.h : t.g;
    for (int m = 0; m < 4; ++m) s += f[m] * in((2 * k + m) % n);
  } else {
    // out[pos] collects h_m·a_k + g_m·d_k over the (k, m) with (2k + m) mod n = pos: m has pos's
    // parity, so m0 = pos mod 2 and m0 + 2; added in the CPU loop's order (k, then m).
    const int m0 = int(pos % 2);
    std::int64_t k0 = (((pos - m0) % n) + n) % n / 2, k1 = (((pos - m0 - 2) % n) + n) % n / 2;
    int ma = m0, mb = m0 + 2;
    if (k1 < k0) {
      const std::int64_t kk = k0;
      k0 = k1, k1 = kk;
      ma = m0 + 2, mb = m0;
    }
    s += t.h[ma] * in(k0) + t.g[ma] * in(h + k0);
    s += t.h[mb] * in(k1) + t.g[mb] * in(h + k1);
  }
  return float(s);
}

// Where image pixel p = j·nx + i sits on the padded, circularly shifted grid.
MIRFLOW_HOST_DEVICE inline std::int64_t padded_index(std::int64_t p, std::int64_t nx, std::int64_t nxp,
                                                     std::int64_t nyp, std::int64_t sx, std::int64_t sy) {
  const std::int64_t i = p % nx, j = p / nx;
  return ((j + sy) % nyp) * nxp + (i + sx) % nxp;
}

// Block element q (= j·cx + i) in the grid of row stride nxp.
MIRFLOW_HOST_DEVICE inline std::int64_t block_index(std::int64_t q, std::int64_t cx, std::int64_t nxp) {
  return (q / cx) * nxp + q % cx;
}

}  // namespace mirflow::gpu::wavelet
