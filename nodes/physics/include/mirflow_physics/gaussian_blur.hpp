#pragma once
// Gaussian blur as a linear operator (deconvolution / super-resolution forward models).
// Separable: a 1-D pass along x, then along y, with the normalised kernel of
// classic.gaussian (weights exp(−t²/2σ²) on [−r, r], r = int(truncate·σ + 0.5), summing to 1);
// σ is given in mm and divided by the image spacing of each axis (anisotropic pixels).
//   Boundary::Zero    pixels outside are 0; the matrix is symmetric, the operator self-adjoint.
//   Boundary::Reflect scipy.ndimage 'reflect' (d c b a | a b c d | d c b a); not symmetric: the
//                     adjoint is the exact transpose (the reflected taps scattered back).
#include <vector>

#include "mirflow_physics/operator.hpp"

namespace mirflow::physics {

enum class Boundary { Zero, Reflect };

class GaussianBlur final : public LinearOperator {
 public:
  GaussianBlur(Space space, double sigma_x_mm, double sigma_y_mm, double truncate = 4.0,
               Boundary boundary = Boundary::Zero);
  std::string name() const override { return "gaussian_blur"; }
  Space domain() const override { return space_; }
  Space range() const override { return space_; }
  void apply_into(const Image& x, const Image& y) const override;
  void adjoint_into(const Image& y, const Image& x) const override;
  const std::vector<float>& kernel_x() const { return kx_; }
  const std::vector<float>& kernel_y() const { return ky_; }

 private:
  Space space_;
  Boundary boundary_;
  std::vector<float> kx_, ky_;
};

}  // namespace mirflow::physics
