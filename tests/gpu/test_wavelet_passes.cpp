// The device wavelet's per-coefficient arithmetic (gpu/src/wavelet_pass.hpp), run on the host in
// the order wavelet_kernels.cu launches it, against the CPU's Daubechies4Wavelet: the index
// mathematics of the CUDA version is checked on every machine, with or without a device. Both
// sides compute the same double sums in the same order, so the floats must be equal.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "mirflow_ir/wavelet.hpp"
#include "physics_test_util.hpp"
#include "wavelet_pass.hpp"

using namespace mirflow;
using namespace mirflow::ir;
using physics::Space;

namespace {

struct Args {
  std::int64_t nx, ny, nxp, nyp, sx, sy;
  int levels;
};

gpu::wavelet::Taps taps() {
  const auto h = daubechies4_taps();
  return {{h[0], h[1], h[2], h[3]}, {h[3], -h[2], h[1], -h[0]}};
}

// wavelet_kernels.cu's pass(), one "thread" after another.
void pass(float* c, std::vector<float>& tmp, std::int64_t nxp, std::int64_t cx, std::int64_t cy, bool along_x,
          bool inverse) {
  const auto t = taps();
  for (std::int64_t q = 0; q < cx * cy; ++q) tmp[std::size_t(q)] = gpu::wavelet::pass_value(c, nxp, cx, cy, q, along_x, inverse, t);
  for (std::int64_t q = 0; q < cx * cy; ++q) c[gpu::wavelet::block_index(q, cx, nxp)] = tmp[std::size_t(q)];
}

std::vector<float> forward(const float* x, const Args& a) {
  std::vector<float> c(std::size_t(a.nxp * a.nyp), 0.f), tmp(c.size());
  for (std::int64_t p = 0; p < a.nx * a.ny; ++p) c[std::size_t(gpu::wavelet::padded_index(p, a.nx, a.nxp, a.nyp, a.sx, a.sy))] = x[p];
  std::int64_t cx = a.nxp, cy = a.nyp;
  for (int l = 0; l < a.levels; ++l, cx /= 2, cy /= 2) {
    pass(c.data(), tmp, a.nxp, cx, cy, true, false);
    pass(c.data(), tmp, a.nxp, cx, cy, false, false);
  }
  return c;
}

std::vector<float> adjoint(const float* c_in, const Args& a) {
  std::vector<float> g(c_in, c_in + a.nxp * a.nyp), tmp(g.size()), x(std::size_t(a.nx * a.ny));
  for (int l = a.levels - 1; l >= 0; --l) {
    pass(g.data(), tmp, a.nxp, a.nxp >> l, a.nyp >> l, false, true);
    pass(g.data(), tmp, a.nxp, a.nxp >> l, a.nyp >> l, true, true);
  }
  for (std::int64_t p = 0; p < a.nx * a.ny; ++p) x[std::size_t(p)] = g[std::size_t(gpu::wavelet::padded_index(p, a.nx, a.nxp, a.nyp, a.sx, a.sy))];
  return x;
}

}  // namespace

TEST(GpuWaveletPasses, EqualTheCpuTransformOnTheHost) {
  struct Case {
    std::int64_t nx, ny;
    int levels;
    std::array<std::int64_t, 2> shift;
  };
  // Odd, non-square, padded; a coarsest block of 2 (levels reach it); shifts; one level.
  const Case cases[] = {{37, 23, 3, {5, 2}}, {64, 48, 4, {0, 0}}, {16, 8, 3, {3, 7}}, {9, 13, 1, {1, 0}}};
  for (const Case& k : cases) {
    const Space im = physics::centred_space(k.nx, k.ny, 1.0, 1.0);
    const Daubechies4Wavelet W(im, k.levels, k.shift);
    const Args a{k.nx, k.ny, W.range().nx, W.range().ny, ((k.shift[0] % W.range().nx) + W.range().nx) % W.range().nx,
                 ((k.shift[1] % W.range().ny) + W.range().ny) % W.range().ny, k.levels};
    const Image x = physics::ptest::random_image(im, 3), c = physics::ptest::random_image(W.range(), 4);
    const Image cpu_c = W.apply(x), cpu_x = W.adjoint(c);
    const std::vector<float> dev_c = forward(x.data<float>(), a), dev_x = adjoint(c.data<float>(), a);
    ASSERT_EQ(std::int64_t(dev_c.size()), cpu_c.size());
    ASSERT_EQ(std::int64_t(dev_x.size()), cpu_x.size());
    EXPECT_EQ(std::memcmp(dev_c.data(), cpu_c.data<float>(), dev_c.size() * sizeof(float)), 0)
        << k.nx << "×" << k.ny << " levels " << k.levels << ": analysis differs";
    EXPECT_EQ(std::memcmp(dev_x.data(), cpu_x.data<float>(), dev_x.size() * sizeof(float)), 0)
        << k.nx << "×" << k.ny << " levels " << k.levels << ": synthesis differs";
  }
}
