// Cartesian MRI sampling: orthonormal centred FFT (odd sizes too), exact adjoint, NumPy's convention.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mirflow_physics/cartesian_mri.hpp"
#include "mirflow_physics/complex_image.hpp"
#include "physics_test_util.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::physics;
namespace fs = std::filesystem;

namespace {
Image random_mask(std::int64_t nx, std::int64_t ny, double p, std::uint32_t seed) {
  Image m = Image::allocate2d(DType::U8, nx, ny);
  std::mt19937 rng(seed);
  std::bernoulli_distribution b(p);
  for (std::int64_t i = 0; i < nx * ny; ++i) m.data<std::uint8_t>()[i] = b(rng);
  return m;
}
}  // namespace

TEST(CartesianMri, AdjointIsExactForMasksAndOddSizes) {
  double worst = 0;
  const std::int64_t sizes[][2] = {{16, 16}, {15, 15}, {17, 10}, {9, 24}, {1, 7}};
  for (const auto& s : sizes) {
    CartesianMri full(s[0], s[1]);
    CartesianMri masked(s[0], s[1], random_mask(s[0], s[1], 0.4, 5), {0.8, 1.7});
    for (const LinearOperator* op : {static_cast<const LinearOperator*>(&full), static_cast<const LinearOperator*>(&masked)}) {
      const double e = ptest::adjoint_mismatch(*op, 21);
      worst = std::max(worst, e);
      EXPECT_LT(e, 1e-5) << s[0] << "×" << s[1];
    }
  }
  std::printf("cartesian MRI: worst adjoint mismatch %.3g\n", worst);
}

TEST(CartesianMri, FullMaskIsUnitary) {
  for (auto [nx, ny] : {std::pair<std::int64_t, std::int64_t>{32, 32}, {31, 33}, {7, 12}}) {
    CartesianMri A(nx, ny);
    const Image x = ptest::random_image(A.domain(), 4);
    const Image k = A.apply(x);
    EXPECT_NEAR(ptest::norm(k) / ptest::norm(x), 1.0, 1e-5) << "Parseval " << nx << "×" << ny;
    const Image back = A.adjoint(k);  // AᴴA x = x
    double err = 0;
    for (std::int64_t i = 0; i < x.size(); ++i) err = std::max(err, double(std::abs(back.data<float>()[i] - x.data<float>()[i])));
    EXPECT_LT(err, 1e-5) << nx << "×" << ny;
  }
}

TEST(CartesianMri, DcSitsAtTheCentre) {
  // A constant image has all its energy at k = (nx/2, ny/2), integer division, odd sizes too.
  for (auto [nx, ny] : {std::pair<std::int64_t, std::int64_t>{8, 6}, {7, 5}}) {
    CartesianMri A(nx, ny);
    Image x = A.domain().allocate();
    for (std::int64_t i = 0; i < nx * ny; ++i) complex_data(x)[i] = {1.f, 0.f};
    const Image k = A.apply(x);
    const std::complex<float> dc = complex_data(k)[(ny / 2) * nx + nx / 2];
    EXPECT_NEAR(dc.real(), std::sqrt(double(nx * ny)), 1e-4);
    EXPECT_NEAR(std::abs(complex_data(k)[0]), 0.0, 1e-5);
  }
}

TEST(CartesianMri, MatchesNumpyCentredOrthonormalFft) {
  if (!mirflow::test::python_has("numpy")) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  const fs::path dir = mirflow::test::scratch_dir("mri");
  const std::int64_t nx = 13, ny = 10;
  Image mask = random_mask(nx, ny, 0.5, 9);
  CartesianMri A(nx, ny, mask);
  const Image x = ptest::random_image(A.domain(), 8);
  ptest::write_raw(dir / "x.raw", x);
  ptest::write_raw(dir / "mask.raw", mask.astype(DType::F32));
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np; d='" + dir.string() +
                          "/'; x=np.fromfile(d+'x.raw',dtype=np.complex64).reshape(10,13); "
                          "m=np.fromfile(d+'mask.raw',dtype=np.float32).reshape(10,13); "
                          "k=m*np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(x),norm='ortho')); k.astype(np.complex64).tofile(d+'k.raw'); "
                          "b=np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(m*k),norm='ortho')); b.astype(np.complex64).tofile(d+'b.raw')\"";
  std::string log;
  ASSERT_EQ(mirflow::test::run_command(cmd, &log), 0) << log;
  const Image k = A.apply(x), b = A.adjoint(k);
  const Image kr = ptest::read_raw(dir / "k.raw", 2 * nx, ny), br = ptest::read_raw(dir / "b.raw", 2 * nx, ny);
  double ek = 0, eb = 0;
  for (std::int64_t i = 0; i < k.size(); ++i) {
    ek = std::max(ek, double(std::abs(k.data<float>()[i] - kr.data<float>()[i])));
    eb = std::max(eb, double(std::abs(b.data<float>()[i] - br.data<float>()[i])));
  }
  EXPECT_LT(ek, 1e-5);
  EXPECT_LT(eb, 1e-5);
}
