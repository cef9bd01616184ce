#include "mirflow_physics/cartesian_mri.hpp"

#include <cmath>
#include <stdexcept>

#include "mirflow_physics/complex_image.hpp"
#include "mirflow_physics/fft.hpp"

namespace mirflow::physics {

CartesianMri::CartesianMri(std::int64_t nx, std::int64_t ny, Image mask, std::array<double, 2> spacing)
    : nx_(nx), ny_(ny) {
  if (nx < 1 || ny < 1) throw std::invalid_argument("cartesian_mri: image sizes must be positive");
  domain_ = centred_space(nx, ny, spacing[0], spacing[1], true);
  // k-space: spacing 1/(n·dx) (cycles/mm), DC at index n/2.
  range_ = domain_;
  range_.spacing = {1.0 / (double(nx) * spacing[0]), 1.0 / (double(ny) * spacing[1])};
  range_.origin = {-double(nx / 2) * range_.spacing[0], -double(ny / 2) * range_.spacing[1]};
  if (!mask.empty()) {
    if (mask.ndim() != 2 || mask.nx() != nx || mask.ny() != ny)
      throw std::invalid_argument("cartesian_mri: the mask must be " + std::to_string(nx) + "×" + std::to_string(ny) +
                                  ", got " + mask.describe());
    mask_.resize(static_cast<std::size_t>(nx * ny));
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x) mask_[static_cast<std::size_t>(y * nx + x)] = static_cast<float>(mask.value(x, y));
  }
  fft_ = std::make_unique<ComplexFft2d>(static_cast<int>(nx), static_cast<int>(ny));
}

CartesianMri::~CartesianMri() = default;

// out = fftshift( FFT±( ifftshift(in ⊙ mask_in) ) ) ⊙ mask_out / sqrt(N)
void CartesianMri::transform(const Image& in, const Image& out, bool inverse) const {
  const std::int64_t nx = nx_, ny = ny_, hx = nx / 2, hy = ny / 2;
  const std::size_t n = static_cast<std::size_t>(nx * ny);
  auto a = fft_complex_buffer(n), b = fft_complex_buffer(n);
  const std::complex<float>* src = complex_data(in);
  std::complex<float>* dst = complex_data(out);
  const bool mask_in = inverse && !mask_.empty(), mask_out = !inverse && !mask_.empty();
  // ifftshift: element s goes to (s − h) mod n.
  for (std::int64_t y = 0; y < ny; ++y) {
    const std::int64_t ty = (y - hy + ny) % ny;
    for (std::int64_t x = 0; x < nx; ++x) {
      const std::int64_t tx = (x - hx + nx) % nx;
      std::complex<float> v = src[y * nx + x];
      if (mask_in) v *= mask_[static_cast<std::size_t>(y * nx + x)];
      a[static_cast<std::size_t>(ty * nx + tx)] = v;
    }
  }
  if (inverse)
    fft_->inverse(a.get(), b.get());
  else
    fft_->forward(a.get(), b.get());
  const float scale = static_cast<float>(1.0 / std::sqrt(double(n)));
  // fftshift: element s goes to (s + h) mod n.
  for (std::int64_t y = 0; y < ny; ++y) {
    const std::int64_t sy = (y - hy + ny) % ny;
    for (std::int64_t x = 0; x < nx; ++x) {
      const std::int64_t sx = (x - hx + nx) % nx;
      std::complex<float> v = b[static_cast<std::size_t>(sy * nx + sx)] * scale;
      if (mask_out) v *= mask_[static_cast<std::size_t>(y * nx + x)];
      dst[y * nx + x] = v;
    }
  }
}

void CartesianMri::apply_into(const Image& x, const Image& y) const { transform(x, y, false); }
void CartesianMri::adjoint_into(const Image& y, const Image& x) const { transform(y, x, true); }

}  // namespace mirflow::physics
