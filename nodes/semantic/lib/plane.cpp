#include "mirflow_semantic/plane.hpp"

#include <cmath>
#include <numeric>
#include <stdexcept>

namespace mirflow::semantic {

Plane plane_of(const Image& image, std::int64_t z) {
  if (image.device() != Device::CPU) throw std::invalid_argument("a CPU image is needed, got " + image.describe());
  Plane p(image.nx(), image.ny());
  for (std::int64_t y = 0; y < image.ny(); ++y)
    for (std::int64_t x = 0; x < image.nx(); ++x) p(x, y) = static_cast<float>(image.value(x, y, z));
  return p;
}

std::vector<double> gaussian_kernel_1d(double sigma, int order, double truncate) {
  if (!(sigma > 0)) throw std::invalid_argument("Gaussian sigma must be positive");
  const int r = std::max(1, static_cast<int>(truncate * sigma + 0.5));
  std::vector<double> g(static_cast<std::size_t>(2 * r + 1));
  for (int u = -r; u <= r; ++u) g[static_cast<std::size_t>(u + r)] = std::exp(-0.5 * u * u / (sigma * sigma));
  const double sum = std::accumulate(g.begin(), g.end(), 0.0);
  for (double& w : g) w /= sum;
  if (order == 0) return g;
  std::vector<double> k(g.size());
  if (order == 1) {
    double moment = 0;
    for (int u = -r; u <= r; ++u) moment += u * (k[static_cast<std::size_t>(u + r)] = u * g[static_cast<std::size_t>(u + r)]);
    for (double& w : k) w /= moment;  // Σ u·k(u) = 1: a unit ramp has derivative 1
    return k;
  }
  if (order == 2) {
    for (int u = -r; u <= r; ++u) k[static_cast<std::size_t>(u + r)] = (u * u - sigma * sigma) * g[static_cast<std::size_t>(u + r)];
    const double mean = std::accumulate(k.begin(), k.end(), 0.0) / static_cast<double>(k.size());
    for (double& w : k) w -= mean;  // zero sum: a constant has no curvature
    double moment = 0;
    for (int u = -r; u <= r; ++u) moment += 0.5 * u * u * k[static_cast<std::size_t>(u + r)];
    for (double& w : k) w /= moment;  // Σ (u²/2)·k(u) = 1: x²/2 has second derivative 1
    return k;
  }
  throw std::invalid_argument("derivative order must be 0, 1 or 2");
}

namespace {
std::int64_t reflect(std::int64_t i, std::int64_t n) {
  if (n == 1) return 0;
  const std::int64_t period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}
}  // namespace

Plane separable(const Plane& in, const std::vector<double>& kx, const std::vector<double>& ky) {
  const std::int64_t rx = static_cast<std::int64_t>(kx.size() / 2), ry = static_cast<std::int64_t>(ky.size() / 2);
  Plane tmp(in.nx, in.ny), out(in.nx, in.ny);
  std::vector<std::int64_t> ix(static_cast<std::size_t>(in.nx + 2 * rx)), iy(static_cast<std::size_t>(in.ny + 2 * ry));
  for (std::int64_t i = 0; i < in.nx + 2 * rx; ++i) ix[static_cast<std::size_t>(i)] = reflect(i - rx, in.nx);
  for (std::int64_t i = 0; i < in.ny + 2 * ry; ++i) iy[static_cast<std::size_t>(i)] = reflect(i - ry, in.ny);
  for (std::int64_t y = 0; y < in.ny; ++y)
    for (std::int64_t x = 0; x < in.nx; ++x) {
      double acc = 0;
      for (std::int64_t k = 0; k <= 2 * rx; ++k) acc += kx[static_cast<std::size_t>(k)] * in(ix[static_cast<std::size_t>(x + k)], y);
      tmp(x, y) = static_cast<float>(acc);
    }
  for (std::int64_t y = 0; y < in.ny; ++y)
    for (std::int64_t x = 0; x < in.nx; ++x) {
      double acc = 0;
      for (std::int64_t k = 0; k <= 2 * ry; ++k) acc += ky[static_cast<std::size_t>(k)] * tmp(x, iy[static_cast<std::size_t>(y + k)]);
      out(x, y) = static_cast<float>(acc);
    }
  return out;
}

Plane gaussian_derivative(const Plane& in, double sigma, int ox, int oy) {
  return separable(in, gaussian_kernel_1d(sigma, ox), gaussian_kernel_1d(sigma, oy));
}

}  // namespace mirflow::semantic
