// Gaussian blur operator: exact adjoint for both boundaries, scipy.ndimage for the forward.
#include <gtest/gtest.h>

#include "mirflow_physics/gaussian_blur.hpp"
#include "physics_test_util.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::physics;
namespace fs = std::filesystem;

TEST(GaussianBlur, AdjointIsExact) {
  double worst = 0;
  for (Boundary b : {Boundary::Zero, Boundary::Reflect})
    for (auto s : {centred_space(31, 17, 1.0, 1.0), centred_space(20, 45, 0.6, 1.4), centred_space(3, 5, 1, 1)}) {
      GaussianBlur A(s, 1.7, 2.3, 4.0, b);  // σ in mm; on the 3×5 image the kernel is wider than the image
      const double e = ptest::adjoint_mismatch(A, 2);
      worst = std::max(worst, e);
      EXPECT_LT(e, 1e-5) << s.describe() << (b == Boundary::Zero ? " zero" : " reflect");
    }
  std::printf("gaussian blur: worst adjoint mismatch %.3g\n", worst);
}

TEST(GaussianBlur, ZeroBoundaryIsSelfAdjoint) {
  GaussianBlur A(centred_space(23, 19, 1.0, 0.5), 1.5, 1.0);
  const Image x = ptest::random_image(A.domain(), 3);
  const Image ax = A.apply(x), atx = A.adjoint(x);
  for (std::int64_t i = 0; i < x.size(); ++i) EXPECT_NEAR(ax.data<float>()[i], atx.data<float>()[i], 1e-6);
}

TEST(GaussianBlur, ReflectMatchesScipy) {
  if (!mirflow::test::python_has("scipy.ndimage")) GTEST_SKIP() << "/usr/bin/python3 with scipy is not available";
  const fs::path dir = mirflow::test::scratch_dir("blur");
  // Anisotropic pixels: σ = 1.2 mm is 2 pixels along x (0.6 mm) and 1 pixel along y (1.2 mm).
  GaussianBlur A(centred_space(29, 21, 0.6, 1.2), 1.2, 1.2, 4.0, Boundary::Reflect);
  const Image x = ptest::random_image(A.domain(), 5);
  ptest::write_raw(dir / "x.raw", x);
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np, scipy.ndimage as nd; d='" + dir.string() +
                          "/'; a=np.fromfile(d+'x.raw',dtype=np.float32).reshape(21,29).astype(np.float64); "
                          "nd.gaussian_filter(a, sigma=(1.0, 2.0), mode='reflect', truncate=4.0).astype(np.float32).tofile(d+'y.raw')\"";
  std::string log;
  ASSERT_EQ(mirflow::test::run_command(cmd, &log), 0) << log;
  const Image y = A.apply(x), ref = ptest::read_raw(dir / "y.raw", 29, 21);
  double err = 0;
  for (std::int64_t i = 0; i < y.size(); ++i) err = std::max(err, double(std::abs(y.data<float>()[i] - ref.data<float>()[i])));
  EXPECT_LT(err, 1e-5);
}
