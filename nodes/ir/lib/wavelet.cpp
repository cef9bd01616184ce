#include "mirflow_ir/wavelet.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <mirflow_physics/device_kernels.hpp>

#include "mirflow_ir/device_kernels.hpp"

namespace mirflow::ir {

using physics::Space;

std::array<double, 4> daubechies4_taps() {
  const double s3 = std::sqrt(3.0), n = 4.0 * std::sqrt(2.0);
  return {(1 + s3) / n, (3 + s3) / n, (3 - s3) / n, (1 - s3) / n};
}

namespace {

const std::array<double, 4> kH = daubechies4_taps();
const std::array<double, 4> kG = {kH[3], -kH[2], kH[1], -kH[0]};  // g_k = (−1)^k h_{3−k}

// One periodic analysis (inverse = false) or synthesis step on a strided line of even length n.
// `line` is scratch of ≥ 2n doubles (reused: no allocation per call).
void line_step(float* x, std::int64_t n, std::int64_t stride, bool inverse, double* line) {
  double* in = line;
  double* out = line + n;
  for (std::int64_t k = 0; k < n; ++k) in[k] = x[k * stride];
  const std::int64_t h = n / 2;
  if (!inverse) {
    for (std::int64_t k = 0; k < h; ++k) {
      double a = 0, d = 0;
      for (int m = 0; m < 4; ++m) {
        const double v = in[(2 * k + m) % n];
        a += kH[m] * v, d += kG[m] * v;
      }
      out[k] = a, out[h + k] = d;
    }
  } else {
    std::fill(out, out + n, 0.0);
    for (std::int64_t k = 0; k < h; ++k)
      for (int m = 0; m < 4; ++m) out[(2 * k + m) % n] += kH[m] * in[k] + kG[m] * in[h + k];
  }
  for (std::int64_t k = 0; k < n; ++k) x[k * stride] = float(out[k]);
}

std::int64_t round_up(std::int64_t n, int levels) {
  const std::int64_t b = std::int64_t{1} << levels;
  return (n + b - 1) / b * b;
}

std::int64_t wrap(std::int64_t i, std::int64_t n) { return ((i % n) + n) % n; }

// Thread-local scratch: operators may run concurrently, and the solver loop must not allocate.
double* line_scratch(std::int64_t n) {
  thread_local std::vector<double> buf;
  if (buf.size() < std::size_t(2 * n)) buf.resize(std::size_t(2 * n));
  return buf.data();
}
float* grid_scratch(std::int64_t n) {
  thread_local std::vector<float> buf;
  if (buf.size() < std::size_t(n)) buf.resize(std::size_t(n));
  return buf.data();
}

}  // namespace

Daubechies4Wavelet::Daubechies4Wavelet(Space image, int levels, std::array<std::int64_t, 2> shift)
    : image_(image), range_(image), levels_(levels), shift_(shift) {
  if (image.complex || image.nx < 1 || image.ny < 1)
    throw std::invalid_argument("daubechies4: needs a non-empty real image space, got " + image.describe());
  if (levels < 1 || levels > 16) throw std::invalid_argument("daubechies4: levels must be in 1 … 16, got " + std::to_string(levels));
  range_.nx = round_up(image.nx, levels);
  range_.ny = round_up(image.ny, levels);
  shift_ = {wrap(shift[0], range_.nx), wrap(shift[1], range_.ny)};
}

void Daubechies4Wavelet::forward_inplace(float* c) const {
  const std::int64_t nxp = range_.nx;
  double* line = line_scratch(std::max(range_.nx, range_.ny));
  std::int64_t cx = range_.nx, cy = range_.ny;
  for (int l = 0; l < levels_; ++l, cx /= 2, cy /= 2) {
    for (std::int64_t j = 0; j < cy; ++j) line_step(c + j * nxp, cx, 1, false, line);
    for (std::int64_t i = 0; i < cx; ++i) line_step(c + i, cy, nxp, false, line);
  }
}

void Daubechies4Wavelet::inverse_inplace(float* c) const {
  const std::int64_t nxp = range_.nx;
  double* line = line_scratch(std::max(range_.nx, range_.ny));
  for (int l = levels_ - 1; l >= 0; --l) {
    const std::int64_t cx = range_.nx >> l, cy = range_.ny >> l;
    for (std::int64_t i = 0; i < cx; ++i) line_step(c + i, cy, nxp, true, line);
    for (std::int64_t j = 0; j < cy; ++j) line_step(c + j * nxp, cx, 1, true, line);
  }
}

namespace {
WaveletArgs device_args(const Space& image, const Space& range, std::array<std::int64_t, 2> shift, int levels) {
  return {image.nx, image.ny, range.nx, range.ny, shift[0], shift[1], levels, kH, kG};
}
}  // namespace

void Daubechies4Wavelet::apply_into(const Image& xi, const Image& ci) const {
  const std::int64_t nx = image_.nx, ny = image_.ny, nxp = range_.nx, nyp = range_.ny;
  const float* x = xi.data<float>();
  float* c = ci.data<float>();
  if (ci.device() == Device::CUDA)
    return require_ir_device_kernels("daubechies4").wavelet_forward(x, c, device_args(image_, range_, shift_, levels_));
  std::memset(c, 0, std::size_t(nxp * nyp) * sizeof(float));
  for (std::int64_t j = 0; j < ny; ++j) {
    float* row = c + ((j + shift_[1]) % nyp) * nxp;
    for (std::int64_t i = 0; i < nx; ++i) row[(i + shift_[0]) % nxp] = x[j * nx + i];
  }
  forward_inplace(c);
}

void Daubechies4Wavelet::adjoint_into(const Image& ci, const Image& xi) const {
  const std::int64_t nx = image_.nx, ny = image_.ny, nxp = range_.nx, nyp = range_.ny;
  if (xi.device() == Device::CUDA)
    return require_ir_device_kernels("daubechies4")
        .wavelet_adjoint(ci.data<float>(), xi.data<float>(), device_args(image_, range_, shift_, levels_));
  float* g = grid_scratch(nxp * nyp);
  std::memcpy(g, ci.data<float>(), std::size_t(nxp * nyp) * sizeof(float));
  inverse_inplace(g);
  float* x = xi.data<float>();
  for (std::int64_t j = 0; j < ny; ++j) {
    const float* row = g + ((j + shift_[1]) % nyp) * nxp;
    for (std::int64_t i = 0; i < nx; ++i) x[j * nx + i] = row[(i + shift_[0]) % nxp];
  }
}

bool Daubechies4Wavelet::normal_diagonal(const Image& W, const Image& d) const {
  if (!W.empty()) return false;  // KᴴWK is diagonal only for uniform weights
  float* p = d.data<float>();
  if (d.device() == Device::CUDA) {
    physics::require_device_kernels("daubechies4").fill(p, image_.size(), 1.f);
    return true;
  }
  std::fill(p, p + image_.size(), 1.f);
  return true;
}

Image Daubechies4Wavelet::coefficient_weights(const Image& map) const {
  if (!map.empty() && map.size() != image_.size())
    throw std::invalid_argument("daubechies4: the β map has " + std::to_string(map.size()) + " pixels, expected " +
                                std::to_string(image_.size()));
  const std::int64_t nx = image_.nx, ny = image_.ny, nxp = range_.nx, nyp = range_.ny;
  Image w = range_.allocate();
  float* out = w.data<float>();
  const float* m = map.empty() ? nullptr : map.data<float>();
  for (std::int64_t j = 0; j < nyp; ++j)
    for (std::int64_t i = 0; i < nxp; ++i) {
      // The finest level whose block (nxp >> (l−1)) × (nyp >> (l−1)) contains (i, j) outside
      // its top-left quarter; inside the last quarter it is the coarse band.
      int level = 0;
      for (int l = 1; l <= levels_; ++l) {
        if (i < (nxp >> l) && j < (nyp >> l)) continue;
        level = l;
        break;
      }
      if (level == 0) continue;  // coarse band: weight 0
      if (!m) {
        out[j * nxp + i] = 1.f;
        continue;
      }
      const std::int64_t bx = nxp >> level, by = nyp >> level, size = std::int64_t{1} << level;
      const std::int64_t centre_x = (i % bx) * size + size / 2, centre_y = (j % by) * size + size / 2;
      const std::int64_t px = std::clamp<std::int64_t>(wrap(centre_x - shift_[0], nxp), 0, nx - 1);
      const std::int64_t py = std::clamp<std::int64_t>(wrap(centre_y - shift_[1], nyp), 0, ny - 1);
      out[j * nxp + i] = m[py * nx + px];
    }
  return w;
}

}  // namespace mirflow::ir
