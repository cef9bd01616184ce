// The operator vocabulary: spaces, the identity, complex images, HU ↔ µ.
#include <gtest/gtest.h>

#include "mirflow_physics/complex_image.hpp"
#include "mirflow_physics/operator.hpp"
#include "mirflow_physics/units.hpp"
#include "physics_test_util.hpp"

using namespace mirflow;
using namespace mirflow::physics;

TEST(Operator, CentredSpaceGeometry) {
  Space s = centred_space(5, 4, 0.5, 2.0);
  Image im = s.allocate();
  EXPECT_EQ(im.nx(), 5);
  EXPECT_EQ(im.ny(), 4);
  EXPECT_DOUBLE_EQ(im.geometry().origin[0], -1.0);  // pixel 2 at x = 0
  EXPECT_DOUBLE_EQ(im.geometry().origin[1], -3.0);  // pixels 1.5 at y = 0
  EXPECT_DOUBLE_EQ(im.geometry().spacing[1], 2.0);
  Space c = centred_space(5, 4, 1, 1, true);
  Image z = c.allocate();
  EXPECT_EQ(z.nx(), 10);
  EXPECT_TRUE(is_complex(z));
  EXPECT_TRUE(c.matches(z));
  EXPECT_FALSE(s.matches(z));
}

TEST(Operator, IdentityIsItsOwnAdjoint) {
  IdentityOperator id(centred_space(7, 3, 1, 1));
  EXPECT_LT(ptest::adjoint_mismatch(id, 1), 1e-7);
  Image x = ptest::random_image(id.domain(), 2);
  Image y = id.apply(x);
  for (std::int64_t i = 0; i < x.size(); ++i) EXPECT_EQ(x.data<float>()[i], y.data<float>()[i]);
}

TEST(Operator, ShapeMismatchIsRefusedWithTheOperatorsName) {
  IdentityOperator id(centred_space(7, 3, 1, 1));
  try {
    id.apply(Image::allocate2d(DType::F32, 3, 7));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("identity"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("7×3"), std::string::npos) << e.what();
  }
}

TEST(Operator, AcceptsOtherDtypesAndStridedViews) {
  IdentityOperator id(centred_space(4, 3, 1, 1));
  Image u = Image::allocate2d(DType::U16, 4, 3);
  for (std::int64_t i = 0; i < 12; ++i) u.data<std::uint16_t>()[i] = static_cast<std::uint16_t>(i);
  Image y = id.apply(u);
  EXPECT_EQ(y.dtype(), DType::F32);
  EXPECT_FLOAT_EQ(y.at<float>(3, 2), 11.f);
}

TEST(Operator, ComplexHelpers) {
  Image re = Image::allocate2d(DType::F32, 3, 2);
  re.at<float>(1, 1) = -2.f;
  Image z = to_complex(re);
  EXPECT_EQ(complex_nx(z), 3);
  complex_data(z)[4] = {-2.f, 1.5f};
  EXPECT_FLOAT_EQ(real_part(z).at<float>(1, 1), -2.f);
  EXPECT_FLOAT_EQ(imag_part(z).at<float>(1, 1), 1.5f);
  EXPECT_FLOAT_EQ(magnitude(z).at<float>(1, 1), 2.5f);
  EXPECT_FALSE(is_complex(real_part(z)));
}

TEST(Units, HounsfieldAndMu) {
  EXPECT_DOUBLE_EQ(hu_to_mu(0.0), kMuWater);
  EXPECT_DOUBLE_EQ(hu_to_mu(-1000.0), 0.0);
  EXPECT_NEAR(mu_to_hu(0.0192 * 2), 1000.0, 1e-9);
  EXPECT_NEAR(mu_to_hu(hu_to_mu(437.5)), 437.5, 1e-9);
  Image hu = Image::allocate2d(DType::I16, 2, 1);
  hu.at<std::int16_t>(0, 0) = -1000;
  hu.at<std::int16_t>(1, 0) = 1000;
  Image mu = hu_to_mu(hu);
  EXPECT_EQ(mu.dtype(), DType::F32);
  EXPECT_NEAR(mu.at<float>(0, 0), 0.f, 1e-9);
  EXPECT_NEAR(mu.at<float>(1, 0), 0.0384f, 1e-7);
  EXPECT_NEAR(mu_to_hu(mu).at<float>(1, 0), 1000.f, 1e-3);
}
