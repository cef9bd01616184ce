#include "mirflow_physics/gaussian_blur.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace mirflow::physics {

namespace {

std::vector<float> kernel(double sigma, double truncate) {
  if (!(sigma >= 0) || !std::isfinite(sigma)) throw std::invalid_argument("gaussian_blur: sigma must be ≥ 0");
  if (sigma == 0) return {1.f};
  const int r = static_cast<int>(truncate * sigma + 0.5);
  std::vector<double> w(static_cast<std::size_t>(2 * r + 1));
  double s = 0;
  for (int t = -r; t <= r; ++t) s += w[static_cast<std::size_t>(t + r)] = std::exp(-0.5 * t * t / (sigma * sigma));
  std::vector<float> out;
  for (double v : w) out.push_back(static_cast<float>(v / s));
  return out;
}

// scipy.ndimage 'reflect' (half-sample symmetric), for any offset.
inline std::int64_t reflect(std::int64_t i, std::int64_t n) {
  const std::int64_t p = 2 * n;
  i %= p;
  if (i < 0) i += p;
  return i < n ? i : p - 1 - i;
}

// Along x (contiguous rows). transpose: scatter the taps back (differs only for Reflect).
void pass_x(const float* in, float* out, std::int64_t nx, std::int64_t ny, const std::vector<float>& w, Boundary b,
            bool transpose) {
  const std::int64_t r = static_cast<std::int64_t>(w.size() / 2);
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, ny), [&](const tbb::blocked_range<std::int64_t>& rg) {
    for (std::int64_t y = rg.begin(); y < rg.end(); ++y) {
      const float* s = in + y * nx;
      float* d = out + y * nx;
      if (b == Boundary::Reflect && transpose) {
        std::memset(d, 0, static_cast<std::size_t>(nx) * sizeof(float));
        for (std::int64_t x = 0; x < nx; ++x)
          for (std::int64_t t = -r; t <= r; ++t) d[reflect(x + t, nx)] += w[static_cast<std::size_t>(t + r)] * s[x];
        continue;
      }
      for (std::int64_t x = 0; x < nx; ++x) {
        float acc = 0.f;
        for (std::int64_t t = -r; t <= r; ++t) {
          const std::int64_t q = x + t;
          if (q >= 0 && q < nx)
            acc += w[static_cast<std::size_t>(t + r)] * s[q];
          else if (b == Boundary::Reflect)
            acc += w[static_cast<std::size_t>(t + r)] * s[reflect(q, nx)];
        }
        d[x] = acc;
      }
    }
  });
}

// Along y: whole rows at a time (vectorises over x).
void pass_y(const float* in, float* out, std::int64_t nx, std::int64_t ny, const std::vector<float>& w, Boundary b,
            bool transpose) {
  const std::int64_t r = static_cast<std::int64_t>(w.size() / 2);
  if (b == Boundary::Reflect && transpose) {
    // Scatter: split the columns among threads so that no two write the same pixel.
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, nx, 64), [&](const tbb::blocked_range<std::int64_t>& rg) {
      for (std::int64_t y = 0; y < ny; ++y)
        for (std::int64_t x = rg.begin(); x < rg.end(); ++x) out[y * nx + x] = 0.f;
      for (std::int64_t y = 0; y < ny; ++y)
        for (std::int64_t t = -r; t <= r; ++t) {
          float* d = out + reflect(y + t, ny) * nx;
          const float* s = in + y * nx;
          const float wt = w[static_cast<std::size_t>(t + r)];
          for (std::int64_t x = rg.begin(); x < rg.end(); ++x) d[x] += wt * s[x];
        }
    });
    return;
  }
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, ny), [&](const tbb::blocked_range<std::int64_t>& rg) {
    for (std::int64_t y = rg.begin(); y < rg.end(); ++y) {
      float* d = out + y * nx;
      for (std::int64_t x = 0; x < nx; ++x) d[x] = 0.f;
      for (std::int64_t t = -r; t <= r; ++t) {
        std::int64_t q = y + t;
        if (q < 0 || q >= ny) {
          if (b == Boundary::Zero) continue;
          q = reflect(q, ny);
        }
        const float* s = in + q * nx;
        const float wt = w[static_cast<std::size_t>(t + r)];
        for (std::int64_t x = 0; x < nx; ++x) d[x] += wt * s[x];
      }
    }
  });
}

}  // namespace

GaussianBlur::GaussianBlur(Space space, double sigma_x_mm, double sigma_y_mm, double truncate, Boundary boundary)
    : space_(space), boundary_(boundary) {
  if (space.complex) throw std::invalid_argument("gaussian_blur: real images only");
  if (space.nx < 1 || space.ny < 1) throw std::invalid_argument("gaussian_blur: empty space");
  kx_ = kernel(sigma_x_mm / space.spacing[0], truncate);
  ky_ = kernel(sigma_y_mm / space.spacing[1], truncate);
}

// A = By·Bx (x first), Aᵀ = Bxᵀ·Byᵀ.
void GaussianBlur::apply_into(const Image& x, const Image& y) const {
  std::vector<float> tmp(static_cast<std::size_t>(space_.size()));
  pass_x(x.data<float>(), tmp.data(), space_.nx, space_.ny, kx_, boundary_, false);
  pass_y(tmp.data(), y.data<float>(), space_.nx, space_.ny, ky_, boundary_, false);
}

void GaussianBlur::adjoint_into(const Image& y, const Image& x) const {
  std::vector<float> tmp(static_cast<std::size_t>(space_.size()));
  pass_y(y.data<float>(), tmp.data(), space_.nx, space_.ny, ky_, boundary_, true);
  pass_x(tmp.data(), x.data<float>(), space_.nx, space_.ny, kx_, boundary_, true);
}

}  // namespace mirflow::physics
