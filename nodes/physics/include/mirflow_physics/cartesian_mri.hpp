#pragma once
// Cartesian MRI sampling: A = M · F_c, with F_c the centred, orthonormal 2-D DFT
//     F_c x = fftshift( FFT2( ifftshift(x) ) ) / sqrt(nx·ny)
// (NumPy: np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(x), norm="ortho"))) and M a real
// mask on the centred k-space grid (DC at index (nx/2, ny/2), integer division, for odd sizes
// too). The adjoint is the zero-filled centred inverse:
//     Aᴴ y = fftshift( IFFT2( ifftshift(M·y) ) ) · sqrt(nx·ny)
// (np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(M*y), norm="ortho"))). fftshift moves index 0
// to n/2, ifftshift moves n/2 to 0; they differ for odd n, and F_c uses each on its side so
// that F_cᴴ F_c = I for every size. With a full mask AᴴA = I.
// Domain and range are complex nx×ny images (complex_image.hpp).
#include <cstdint>
#include <memory>
#include <vector>

#include "mirflow_physics/operator.hpp"

namespace mirflow::physics {

class ComplexFft2d;

class CartesianMri final : public LinearOperator {
 public:
  // `mask`: float image nx×ny (any real dtype; 1 = sampled, 0 = not; weights in between are
  // allowed) in the centred layout; an empty Image means every sample. `spacing`: image pixel size.
  CartesianMri(std::int64_t nx, std::int64_t ny, Image mask = {}, std::array<double, 2> spacing = {1.0, 1.0});
  ~CartesianMri() override;
  std::string name() const override { return "cartesian_mri"; }
  Space domain() const override { return domain_; }
  Space range() const override { return range_; }
  void apply_into(const Image& x, const Image& y) const override;
  void adjoint_into(const Image& y, const Image& x) const override;
  const std::vector<float>& mask() const { return mask_; }

 private:
  void transform(const Image& in, const Image& out, bool inverse) const;
  std::int64_t nx_, ny_;
  Space domain_, range_;
  std::vector<float> mask_;  // empty: full sampling
  std::unique_ptr<ComplexFft2d> fft_;
};

}  // namespace mirflow::physics
