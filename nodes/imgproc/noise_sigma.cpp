#include "mirflow_imgproc/noise_sigma.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "mirflow_imgproc/rician.hpp"
#include "mirflow_imgproc/rician_vst.hpp"
#include "mirflow_imgproc/robust.hpp"

namespace mirflow::imgproc {
namespace {

constexpr std::size_t kMinBlocks = 64;  // a median of 64 |d| has a standard error of about 15 %
constexpr double kMadToSigma = 1.0 / kNormalQuartile;
const double kRayleighMedian = std::sqrt(2.0 * std::numbers::ln2);
constexpr double kTrim = 3.5;  // in robust scales
// Var[g | |g| < 3.5] for g ~ N(0, 1): 1 − 2·3.5·φ(3.5)/(2Φ(3.5) − 1).
const double kTrimmedVariance =
    1.0 - 2.0 * kTrim * std::exp(-0.5 * kTrim * kTrim) / std::sqrt(2.0 * std::numbers::pi) / std::erf(kTrim / std::sqrt(2.0));

// The usable (non-constant) 2×2 blocks of every plane.
struct Blocks {
  std::vector<double> px;  // 4 pixels per block: p00, p10, p01, p11
  std::size_t size() const { return px.size() / 4; }
  double diag(std::size_t k) const { return 0.5 * (px[4 * k] - px[4 * k + 1] - px[4 * k + 2] + px[4 * k + 3]); }
  double mean(std::size_t k) const { return 0.25 * (px[4 * k] + px[4 * k + 1] + px[4 * k + 2] + px[4 * k + 3]); }
};

Blocks blocks_of(const VolumeView& m) {
  Blocks b;
  b.px.reserve(static_cast<std::size_t>(m.size()));
  for (std::int64_t z = 0; z < m.nz; ++z)
    for (std::int64_t j = 0; j + 1 < m.ny; j += 2)
      for (std::int64_t i = 0; i + 1 < m.nx; i += 2) {
        const double p00 = m(i, j, z), p10 = m(i + 1, j, z), p01 = m(i, j + 1, z), p11 = m(i + 1, j + 1, z);
        if (p00 == p10 && p00 == p01 && p00 == p11) continue;  // no noise here
        b.px.insert(b.px.end(), {p00, p10, p01, p11});
      }
  return b;
}

// The fewest blocks a subset (bright blocks, background blocks) may rest on: 64, and a tenth of
// the usable blocks, since a small subset picked by its own noisy values is biased (at 15 % noise
// the few blocks that pass A ≥ 4σ are those the noise pushed up).
std::size_t subset_minimum(const Blocks& b) { return std::max(kMinBlocks, b.size() / 10); }

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

double gaussian_mad(const Blocks& b) {
  if (b.size() < kMinBlocks) return 0;
  std::vector<double> d(b.size());
  for (std::size_t k = 0; k < d.size(); ++k) d[k] = std::abs(b.diag(k));
  return median_inplace(d) * kMadToSigma;
}

double wavelet_estimate(const Blocks& b, double start) {
  return fixed_point(start, [&](double sigma) {
    std::vector<double> scaled;
    for (std::size_t k = 0; k < b.size(); ++k) {
      const double theta = rician_mean_ratio_inverse(b.mean(k) / sigma);
      if (theta >= 4.0) scaled.push_back(std::abs(b.diag(k)) / std::sqrt(rician_variance_ratio(theta)));
    }
    return scaled.size() < subset_minimum(b) ? 0.0 : median_inplace(scaled) * kMadToSigma;
  });
}

double background_estimate(const Blocks& b, double start) {
  return fixed_point(start, [&](double sigma) {
    std::vector<double> px;
    for (std::size_t k = 0; k < b.size(); ++k)
      if (b.mean(k) < 2.0 * sigma) px.insert(px.end(), b.px.begin() + std::ptrdiff_t(4 * k), b.px.begin() + std::ptrdiff_t(4 * k + 4));
    return px.size() < 4 * subset_minimum(b) ? 0.0 : median_inplace(px) / kRayleighMedian;
  });
}

double vst_estimate(const Blocks& b, double start) {
  if (b.size() < kMinBlocks) return 0;
  const RicianVst& vst = RicianVst::get();
  return fixed_point(start, [&](double sigma) {
    std::vector<double> d(b.size());
    for (std::size_t k = 0; k < d.size(); ++k) {
      const double* p = &b.px[4 * k];
      d[k] = std::abs(0.5 * (vst.forward(p[0] / sigma) - vst.forward(p[1] / sigma) - vst.forward(p[2] / sigma) +
                             vst.forward(p[3] / sigma)));
    }
    // The VST makes the noise's variance 1, not its MAD: at SNR 1–2 the stabilised noise has
    // heavier tails than a Gaussian and MAD/0.6745 reads 0.96–0.99 of its standard deviation,
    // enough to pull the fixed point 5–8 % low at 9–15 % noise. So the scale is the root mean
    // square of the coefficients within 3.5 robust scales (edges and texture left out), divided
    // by the fraction of a Gaussian's variance that lies within ±3.5σ.
    std::vector<double> sorted = d;
    const double robust = median_inplace(sorted) * kMadToSigma, cut = kTrim * robust;
    double sum = 0;
    std::size_t n = 0;
    for (double v : d)
      if (v < cut) sum += v * v, ++n;
    return n == 0 ? 0.0 : sigma * std::sqrt(sum / double(n) / kTrimmedVariance);
  });
}

}  // namespace

std::string_view sigma_method_name(SigmaMethod m) {
  switch (m) {
    case SigmaMethod::Auto: return "auto";
    case SigmaMethod::Background: return "background";
    case SigmaMethod::Wavelet: return "wavelet";
    case SigmaMethod::Vst: return "vst";
    case SigmaMethod::Gaussian: return "gaussian";
  }
  return "?";
}

SigmaMethod parse_sigma_method(std::string_view name) {
  for (SigmaMethod m : {SigmaMethod::Auto, SigmaMethod::Background, SigmaMethod::Wavelet, SigmaMethod::Vst,
                        SigmaMethod::Gaussian})
    if (sigma_method_name(m) == name) return m;
  throw std::invalid_argument("unknown noise estimator '" + std::string(name) +
                              "' (choose auto, background, wavelet, vst or gaussian)");
}

SigmaEstimate estimate_sigma(const VolumeView& image, SigmaMethod method) {
  const Blocks b = blocks_of(image);
  SigmaEstimate e;
  e.blocks = static_cast<std::int64_t>(b.size());
  if (b.size() < kMinBlocks) {
    e.note = "no measurable noise: " + std::to_string(b.size()) +
             " 2x2 blocks with varying pixels, at least 64 are needed (an image this small, or mostly constant)";
    return e;
  }
  // Every iteration starts above its answer: the Gaussian MAD over all blocks counts the signal's
  // fine structure and, on background, Rayleigh spread; √(mean m²/2) bounds the background σ.
  e.gaussian = gaussian_mad(b);
  if (method == SigmaMethod::Gaussian) {
    e.sigma = e.gaussian;
    e.method = method;
  } else {
    double ms = 0;
    for (double p : b.px) ms += p * p;
    const double rms_start = std::sqrt(ms / double(b.px.size()) / 2.0);
    const double start = e.gaussian > 0 ? e.gaussian : rms_start;
    const bool all = method == SigmaMethod::Auto;
    if (all || method == SigmaMethod::Wavelet) e.wavelet = wavelet_estimate(b, start);
    if (all || method == SigmaMethod::Vst) e.vst = vst_estimate(b, start);
    if (all || method == SigmaMethod::Background) {
      const double lower = std::min({e.wavelet > 0 ? e.wavelet : start, e.vst > 0 ? e.vst : start, start});
      e.background = background_estimate(b, lower > 0 ? lower : rms_start);
    }
    e.method = method;
    if (all) {
      double best = 0;
      for (auto [s, m] : {std::pair{e.background, SigmaMethod::Background}, std::pair{e.wavelet, SigmaMethod::Wavelet},
                          std::pair{e.vst, SigmaMethod::Vst}})
        if (s > 0 && (best == 0 || s < best)) {
          best = s;
          e.method = m;
        }
      e.sigma = best;
    } else {
      e.sigma = method == SigmaMethod::Wavelet ? e.wavelet : method == SigmaMethod::Vst ? e.vst : e.background;
    }
  }
  if (!(e.sigma > 0)) {
    e.sigma = 0;
    e.note = "no measurable noise: the " + std::string(sigma_method_name(method)) + " estimator found none in " +
             std::to_string(b.size()) + " usable 2x2 blocks";
  }
  return e;
}

void require_finite_nonconstant(const VolumeView& m, const std::string& what) {
  if (m.size() == 0) throw std::invalid_argument(what + " is empty");
  const double first = m.v[0];
  bool constant = true;
  for (std::int64_t i = 0; i < m.size(); ++i) {
    const double v = m.v[i];
    if (!std::isfinite(v))
      throw std::invalid_argument(what + " holds a non-finite value (" + std::to_string(v) + ") at sample " +
                                  std::to_string(i) + "; replace NaN/Inf before denoising");
    if (v != first) constant = false;
  }
  if (constant)
    throw std::invalid_argument(what + " is constant (every sample is " + std::to_string(first) +
                                "): there is no image and no noise to measure");
}

}  // namespace mirflow::imgproc
