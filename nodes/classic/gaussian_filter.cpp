#include "gaussian_filter.hpp"

#include <cmath>
#include <stdexcept>

namespace mirflow::classic {

std::vector<double> gaussian_kernel(double sigma, double truncate) {
  const int r = static_cast<int>(truncate * sigma + 0.5);
  std::vector<double> w(static_cast<std::size_t>(2 * r + 1));
  double sum = 0;
  for (int i = -r; i <= r; ++i) sum += w[static_cast<std::size_t>(i + r)] = std::exp(-0.5 * i * i / (sigma * sigma));
  for (double& x : w) x /= sum;
  return w;
}

// Index of sample i in [0, n) after mirroring with the edge sample repeated.
static std::int64_t reflect(std::int64_t i, std::int64_t n) {
  if (n == 1) return 0;
  const std::int64_t period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

// Filters `data` (contiguous float, shape s) along `axis` in place.
static void filter_axis(std::vector<float>& data, const std::array<std::int64_t, 3>& s, int axis,
                        const std::vector<double>& w) {
  const std::int64_t n = s[static_cast<std::size_t>(axis)];
  const std::int64_t stride = axis == 0 ? 1 : axis == 1 ? s[0] : s[0] * s[1];
  const std::int64_t r = static_cast<std::int64_t>(w.size() / 2);
  std::vector<double> line(static_cast<std::size_t>(n));
  const std::int64_t total = s[0] * s[1] * s[2];
  for (std::int64_t base = 0; base < total; ++base) {
    // Visit each line once: its first sample has coordinate 0 along `axis`.
    if ((base / stride) % n != 0) continue;
    for (std::int64_t i = 0; i < n; ++i) line[static_cast<std::size_t>(i)] = data[static_cast<std::size_t>(base + i * stride)];
    for (std::int64_t i = 0; i < n; ++i) {
      double acc = 0;
      for (std::int64_t k = -r; k <= r; ++k) acc += w[static_cast<std::size_t>(k + r)] * line[static_cast<std::size_t>(reflect(i + k, n))];
      data[static_cast<std::size_t>(base + i * stride)] = static_cast<float>(acc);
    }
  }
}

Image gaussian_filter(const Image& in, const std::array<double, 3>& sigma, double truncate) {
  if (in.device() != Device::CPU) throw std::invalid_argument("gaussian_filter needs a CPU image");
  Image out = in.astype(DType::F32);
  const auto& s = out.shape();
  std::vector<float> data(out.data<float>(), out.data<float>() + out.size());
  for (int axis = 0; axis < out.ndim(); ++axis)
    if (sigma[static_cast<std::size_t>(axis)] > 0)
      filter_axis(data, s, axis, gaussian_kernel(sigma[static_cast<std::size_t>(axis)], truncate));
  std::copy(data.begin(), data.end(), out.data<float>());
  return out;
}

}  // namespace mirflow::classic
