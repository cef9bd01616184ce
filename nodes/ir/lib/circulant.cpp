#include "mirflow_ir/circulant.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <stdexcept>

#include <mirflow_physics/fft.hpp>

namespace mirflow::ir {

namespace {
void check_space(const physics::Space& s) {
  if (s.complex || s.nx < 1 || s.ny < 1)
    throw std::invalid_argument("circulant preconditioner: needs a real 2-D space, got " + s.describe());
}
}  // namespace

std::vector<double> circulant_symbol(const physics::Space& s, const ApplyFn& M, SymbolShape shape) {
  check_space(s);
  const std::int64_t nx = s.nx, ny = s.ny, cx = nx / 2, cy = ny / 2;
  Image delta = s.allocate(), psf = s.allocate();
  delta.data<float>()[cy * nx + cx] = 1.f;
  M(delta, psf);
  physics::ComplexFft2d fft(static_cast<int>(nx), static_cast<int>(ny));
  auto in = physics::fft_complex_buffer(std::size_t(nx * ny)), out = physics::fft_complex_buffer(std::size_t(nx * ny));
  const float* p = psf.data<float>();
  for (std::int64_t j = 0; j < ny; ++j)  // centre → (0, 0)
    for (std::int64_t i = 0; i < nx; ++i)
      in[std::size_t(((j - cy + ny) % ny) * nx + (i - cx + nx) % nx)] = p[j * nx + i];
  fft.forward(in.get(), out.get());
  std::vector<double> sym(static_cast<std::size_t>(nx * ny));
  // The real part is the DFT of the kernel's even part: the symbol of a symmetric circulant.
  for (std::size_t k = 0; k < sym.size(); ++k) sym[k] = out[k].real();
  if (shape == SymbolShape::Radial) {
    const double n = double(std::max(nx, ny));
    auto ring = [&](std::int64_t i, std::int64_t j) {
      const double fx = double(i <= nx / 2 ? i : i - nx) / double(nx), fy = double(j <= ny / 2 ? j : j - ny) / double(ny);
      return static_cast<std::size_t>(std::lround(std::hypot(fx, fy) * n));
    };
    std::vector<double> sum(static_cast<std::size_t>(n) + 2, 0.0), count(sum.size(), 0.0);
    for (std::int64_t j = 0; j < ny; ++j)
      for (std::int64_t i = 0; i < nx; ++i) sum[ring(i, j)] += sym[std::size_t(j * nx + i)], count[ring(i, j)] += 1;
    for (std::int64_t j = 0; j < ny; ++j)
      for (std::int64_t i = 0; i < nx; ++i) sym[std::size_t(j * nx + i)] = sum[ring(i, j)] / count[ring(i, j)];
  }
  return sym;
}

struct CirculantPreconditioner::Impl {
  physics::Space space;
  std::vector<std::vector<double>> symbols;
  // 1 / (nx·ny · P(ω)) on the half spectrum the real FFT keeps (ny × (nx/2 + 1)): the symbol is
  // real and even, so P⁻¹r is real and a real-to-complex pair computes it at half the cost.
  std::vector<float> inverse;
  physics::RealFft2d fft;
  Impl(const physics::Space& s, std::vector<std::vector<double>> sy)
      : space(s), symbols(std::move(sy)), fft(int(s.nx), int(s.ny)) {}
};

CirculantPreconditioner::CirculantPreconditioner(const physics::Space& space, std::vector<std::vector<double>> symbols) {
  check_space(space);
  for (const auto& s : symbols)
    if (s.size() != std::size_t(space.size())) throw std::invalid_argument("circulant preconditioner: symbol size");
  impl_ = std::make_unique<Impl>(space, std::move(symbols));
  set(std::vector<double>(impl_->symbols.size(), 1.0));
}

CirculantPreconditioner::~CirculantPreconditioner() = default;

void CirculantPreconditioner::set(const std::vector<double>& c) {
  if (c.size() != impl_->symbols.size()) throw std::invalid_argument("circulant preconditioner: one coefficient per symbol");
  const std::size_t n = std::size_t(impl_->space.size());
  std::vector<double> P(n, 0.0);
  for (std::size_t j = 0; j < c.size(); ++j)
    for (std::size_t k = 0; k < n; ++k) P[k] += c[j] * impl_->symbols[j][k];
  const double pmax = *std::max_element(P.begin(), P.end());
  if (!(pmax > 0)) throw std::invalid_argument("circulant preconditioner: the operator's symbol is not positive");
  const double floor = 1e-4 * pmax;
  const std::int64_t nx = impl_->space.nx, ny = impl_->space.ny, hx = impl_->fft.half_nx();
  impl_->inverse.resize(std::size_t(ny * hx));
  for (std::int64_t j = 0; j < ny; ++j)
    for (std::int64_t i = 0; i < hx; ++i)
      impl_->inverse[std::size_t(j * hx + i)] = float(1.0 / (double(n) * std::max(P[std::size_t(j * nx + i)], floor)));
}

void CirculantPreconditioner::apply(const Image& r, const Image& z) const {
  const std::size_t n = std::size_t(impl_->space.size()), h = impl_->inverse.size();
  auto a = physics::fft_real_buffer(n);
  auto b = physics::fft_complex_buffer(h);
  std::memcpy(a.get(), r.data<float>(), n * sizeof(float));
  impl_->fft.forward(a.get(), b.get());
  for (std::size_t k = 0; k < h; ++k) b[k] *= impl_->inverse[k];
  impl_->fft.inverse(b.get(), a.get());
  std::memcpy(z.data<float>(), a.get(), n * sizeof(float));
}

}  // namespace mirflow::ir
