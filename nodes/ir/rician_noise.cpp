#include "rician_noise.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <mirflow/error.hpp>

namespace mirflow::ir {
namespace {

constexpr double kThetaMax = 30.0;       // beyond: the asymptotic forms (e^{-y}I(y) loses nothing)
constexpr double kThetaStep = 1e-3;      // table step for the inverse
constexpr std::size_t kMinBlocks = 256;  // fewest blocks an estimate may rest on
constexpr double kMadToSigma = 1.0 / 0.6744897501960817;  // 1/Φ⁻¹(3/4)
const double kRayleighMedian = std::sqrt(2.0 * std::numbers::ln2);

// Exponentially scaled modified Bessel functions e^{−y} I_n(y), y ≥ 0.
double i0e(double y) { return std::cyl_bessel_i(0.0, y) * std::exp(-y); }
double i1e(double y) { return std::cyl_bessel_i(1.0, y) * std::exp(-y); }

// rician_mean_ratio on [0, kThetaMax], sampled every kThetaStep (increasing in θ).
const std::vector<double>& mean_table() {
  static const std::vector<double> table = [] {
    std::vector<double> t(static_cast<std::size_t>(kThetaMax / kThetaStep) + 1);
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = rician_mean_ratio(double(i) * kThetaStep);
    return t;
  }();
  return table;
}

double median(std::vector<double>& v) {
  const auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

struct Blocks {
  std::vector<double> diag, mean;  // Haar diagonal detail and block mean, per 2×2 block
  std::vector<double> pixels;      // the 4 pixels of each block, block after block
};

Blocks blocks_of(const Image& m) {
  Blocks b;
  const std::int64_t bx = m.nx() / 2, by = m.ny() / 2;
  b.diag.reserve(std::size_t(bx * by));
  b.mean.reserve(std::size_t(bx * by));
  b.pixels.reserve(std::size_t(4 * bx * by));
  for (std::int64_t j = 0; j < by; ++j)
    for (std::int64_t i = 0; i < bx; ++i) {
      const double p00 = m.value(2 * i, 2 * j), p10 = m.value(2 * i + 1, 2 * j);
      const double p01 = m.value(2 * i, 2 * j + 1), p11 = m.value(2 * i + 1, 2 * j + 1);
      b.diag.push_back(0.5 * (p00 - p10 - p01 + p11));
      b.mean.push_back(0.25 * (p00 + p10 + p01 + p11));
      b.pixels.insert(b.pixels.end(), {p00, p10, p01, p11});
    }
  return b;
}

// Iterates σ ← f(σ) until it moves by less than 1e-4 relative (at most 100 times); 0 when f
// finds too few blocks.
template <class F> double fixed_point(double sigma, F f) {
  for (int it = 0; it < 100 && sigma > 0; ++it) {
    const double next = f(sigma);
    if (!(next > 0)) return 0;
    const bool done = std::abs(next - sigma) < 1e-4 * sigma;
    sigma = next;
    if (done) break;
  }
  return sigma;
}

double signal_estimate(const Blocks& b) {
  std::vector<double> a(b.diag.size());
  for (std::size_t k = 0; k < a.size(); ++k) a[k] = std::abs(b.diag[k]);
  const double start = median(a) * kMadToSigma;
  return fixed_point(start, [&](double sigma) {
    std::vector<double> scaled;
    for (std::size_t k = 0; k < b.diag.size(); ++k) {
      const double theta = rician_mean_ratio_inverse(b.mean[k] / sigma);
      if (theta >= 4.0) scaled.push_back(std::abs(b.diag[k]) / std::sqrt(rician_variance_ratio(theta)));
    }
    return scaled.size() < kMinBlocks ? 0.0 : median(scaled) * kMadToSigma;
  });
}

double background_estimate(const Blocks& b, double start) {
  return fixed_point(start, [&](double sigma) {
    std::vector<double> px;
    for (std::size_t k = 0; k < b.mean.size(); ++k)
      if (b.mean[k] < 2.0 * sigma) px.insert(px.end(), b.pixels.begin() + std::ptrdiff_t(4 * k),
                                             b.pixels.begin() + std::ptrdiff_t(4 * k + 4));
    return px.size() < 4 * kMinBlocks ? 0.0 : median(px) / kRayleighMedian;
  });
}

}  // namespace

double rician_mean_ratio(double theta) {
  if (theta > kThetaMax) return theta + 0.5 / theta;  // A + σ²/(2A): the large-SNR expansion
  const double t2 = theta * theta, y = 0.25 * t2;
  return std::sqrt(std::numbers::pi / 2) * ((1.0 + 0.5 * t2) * i0e(y) + 0.5 * t2 * i1e(y));
}

double rician_variance_ratio(double theta) {
  if (theta > kThetaMax) return 1.0;
  const double r = rician_mean_ratio(theta);
  return 2.0 + theta * theta - r * r;
}

double rician_mean_ratio_inverse(double r) {
  const auto& t = mean_table();
  if (!(r > t.front())) return 0.0;
  if (r >= t.back()) return 0.5 * (r + std::sqrt(std::max(r * r - 2.0, 0.0)));  // inverse of θ + 1/(2θ)
  const auto hi = std::upper_bound(t.begin(), t.end(), r);
  const std::size_t i = std::size_t(hi - t.begin());  // t[i−1] ≤ r < t[i]
  const double f = (r - t[i - 1]) / (t[i] - t[i - 1]);
  return (double(i - 1) + f) * kThetaStep;
}

RicianNoiseEstimate estimate_rician_sigma(const Image& magnitude, const std::string& where) {
  const Blocks b = blocks_of(magnitude);
  RicianNoiseEstimate e;
  e.signal_sigma = signal_estimate(b);
  double start = e.signal_sigma;
  if (!(start > 0)) {  // no signal region: start from √(mean m²/2), which only overestimates
    double s = 0;
    for (double p : b.pixels) s += p * p;
    start = b.pixels.empty() ? 0.0 : std::sqrt(s / double(b.pixels.size()) / 2.0);
  }
  e.background_sigma = background_estimate(b, start);
  if (e.signal_sigma > 0 && e.background_sigma > 0) e.sigma = std::min(e.signal_sigma, e.background_sigma);
  else e.sigma = std::max(e.signal_sigma, e.background_sigma);
  if (!(e.sigma > 0))
    throw InputError(where + ": cannot estimate the noise level of " + magnitude.describe() +
                     " (fewer than 256 2×2 blocks of signal or of background, or no noise); set the parameter 'sigma'");
  return e;
}

namespace {
// A float32 image of f(pixel) over every pixel of `in` (any dtype), with its geometry and metadata.
template <class F>
Image map_pixels(const Image& in, F f) {
  Image out = Image::allocate(DType::F32, in.shape(), in.ndim());
  out.geometry() = in.geometry();
  out.metadata() = in.metadata();
  float* o = out.data<float>();
  std::int64_t k = 0;
  for (std::int64_t z = 0; z < in.nz(); ++z)
    for (std::int64_t y = 0; y < in.ny(); ++y)
      for (std::int64_t x = 0; x < in.nx(); ++x, ++k) o[k] = static_cast<float>(f(in.value(x, y, z)));
  return out;
}
}  // namespace

Image rician_debias_squared(const Image& m, double sigma) {
  return map_pixels(m, [&](double v) { return std::sqrt(std::max(v * v - 2.0 * sigma * sigma, 0.0)); });
}

Image rician_invert_mean(const Image& m, double sigma) {
  return map_pixels(m, [&](double v) { return sigma * rician_mean_ratio_inverse(v / sigma); });
}

Image rician_mean(const Image& a, double sigma) {
  return map_pixels(a, [&](double v) { return sigma * rician_mean_ratio(std::max(v, 0.0) / sigma); });
}

}  // namespace mirflow::ir
