// Phase congruency as in phasecong2.m of the FSIM reference code (after Kovesi): log-Gabor filters
// built in the frequency domain, energy summed over scales per orientation, minus a noise
// threshold estimated from the smallest scale, divided by the summed amplitudes.
#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "metrics.hpp"
#include "mirflow_physics/fft.hpp"

namespace mirflow::metrics {

namespace {

constexpr int kScales = 4, kOrientations = 4;
constexpr double kMinWavelength = 6, kMult = 2, kSigmaOnF = 0.55, kDThetaOnSigma = 1.2, kNoiseK = 2.0, kEpsilon = 1e-4;

// MATLAB's normalised frequency axis of phasecong2 after ifftshift: even n gives i/n wrapped to
// [−0.5, 0.5); odd n divides by n − 1 (so its extreme is exactly ±0.5).
std::vector<double> frequency_axis(std::int64_t n) {
  std::vector<double> centred(static_cast<std::size_t>(n)), shifted(static_cast<std::size_t>(n));
  for (std::int64_t k = 0; k < n; ++k)
    centred[static_cast<std::size_t>(k)] = n % 2 ? (double(k) - double(n - 1) / 2) / double(std::max<std::int64_t>(n - 1, 1))
                                                 : (double(k) - double(n / 2)) / double(n);
  for (std::int64_t i = 0; i < n; ++i) shifted[static_cast<std::size_t>(i)] = centred[static_cast<std::size_t>((i + n / 2) % n)];
  return shifted;
}

double median(std::vector<double> v) {
  const std::size_t m = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m), v.end());
  if (v.size() % 2) return v[m];
  const double upper = v[m];
  return 0.5 * (upper + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m)));
}

}  // namespace

Grid phase_congruency(const Grid& im) {
  const std::int64_t nx = im.nx, ny = im.ny, n = nx * ny;
  const auto un = static_cast<std::size_t>(n);
  const std::vector<double> fx = frequency_axis(nx), fy = frequency_axis(ny);
  const double pi = std::numbers::pi, theta_sigma = pi / kOrientations / kDThetaOnSigma;

  // Radius and angle of every frequency (y axis pointing up, as atan2(−y, x) in phasecong2).
  std::vector<double> radius(un), sin_t(un), cos_t(un), lowpass(un);
  for (std::int64_t y = 0; y < ny; ++y)
    for (std::int64_t x = 0; x < nx; ++x) {
      const auto k = static_cast<std::size_t>(y * nx + x);
      const double u = fx[static_cast<std::size_t>(x)], v = fy[static_cast<std::size_t>(y)];
      const double r = std::sqrt(u * u + v * v), t = std::atan2(-v, u);
      // Butterworth low-pass (cut-off 0.45, order 15) keeps the FFT's corners out of the filters.
      lowpass[k] = 1.0 / (1.0 + std::pow(r / 0.45, 2 * 15));
      radius[k] = r;
      sin_t[k] = std::sin(t);
      cos_t[k] = std::cos(t);
    }
  radius[0] = 1;  // log(0) guard; the DC value of every filter is set to 0 below

  std::vector<std::vector<double>> log_gabor(kScales, std::vector<double>(un));
  for (int s = 0; s < kScales; ++s) {
    const double f0 = 1.0 / (kMinWavelength * std::pow(kMult, s));
    const double denom = 2 * std::log(kSigmaOnF) * std::log(kSigmaOnF);
    for (std::size_t k = 0; k < un; ++k) {
      const double l = std::log(radius[k] / f0);
      log_gabor[static_cast<std::size_t>(s)][k] = std::exp(-l * l / denom) * lowpass[k];
    }
    log_gabor[static_cast<std::size_t>(s)][0] = 0;
  }

  const physics::ComplexFft2d fft(static_cast<int>(nx), static_cast<int>(ny));
  auto spectrum = physics::fft_complex_buffer(un), work = physics::fft_complex_buffer(un), out = physics::fft_complex_buffer(un);
  for (std::size_t k = 0; k < un; ++k) work[k] = static_cast<float>(im.v[k]);
  fft.forward(work.get(), spectrum.get());

  std::vector<double> energy_all(un, 0.0), amplitude_all(un, 0.0);
  std::vector<std::vector<std::complex<double>>> eo(kScales, std::vector<std::complex<double>>(un));
  std::vector<std::vector<double>> spatial_filter(kScales, std::vector<double>(un));
  std::vector<double> filter(un), sum_e(un), sum_o(un), sum_an(un), energy(un);

  for (int o = 0; o < kOrientations; ++o) {
    const double angle = o * pi / kOrientations;
    std::fill(sum_e.begin(), sum_e.end(), 0.0);
    std::fill(sum_o.begin(), sum_o.end(), 0.0);
    std::fill(sum_an.begin(), sum_an.end(), 0.0);
    std::fill(energy.begin(), energy.end(), 0.0);
    double em_n = 0;  // sum of the squared smallest-scale filter (noise estimate)
    for (int s = 0; s < kScales; ++s) {
      const auto su = static_cast<std::size_t>(s);
      for (std::size_t k = 0; k < un; ++k) {
        const double ds = sin_t[k] * std::cos(angle) - cos_t[k] * std::sin(angle);
        const double dc = cos_t[k] * std::cos(angle) + sin_t[k] * std::sin(angle);
        const double dtheta = std::abs(std::atan2(ds, dc));
        filter[k] = log_gabor[su][k] * std::exp(-dtheta * dtheta / (2 * theta_sigma * theta_sigma));
      }
      if (s == 0)
        for (double f : filter) em_n += f * f;
      // The filter in the spatial domain, scaled by sqrt(N) as phasecong2 does (ifft2 · sqrt(N)).
      for (std::size_t k = 0; k < un; ++k) work[k] = static_cast<float>(filter[k]);
      fft.inverse(work.get(), out.get());
      for (std::size_t k = 0; k < un; ++k) spatial_filter[su][k] = double(out[k].real()) / std::sqrt(double(n));
      // Even (real) and odd (imaginary) responses: ifft2(spectrum · filter), normalised by 1/N.
      for (std::size_t k = 0; k < un; ++k) work[k] = spectrum[k] * static_cast<float>(filter[k]);
      fft.inverse(work.get(), out.get());
      for (std::size_t k = 0; k < un; ++k) {
        const std::complex<double> r(double(out[k].real()) / double(n), double(out[k].imag()) / double(n));
        eo[su][k] = r;
        sum_an[k] += std::abs(r);
        sum_e[k] += r.real();
        sum_o[k] += r.imag();
      }
    }
    // Energy: Σ_s A_s (cos Δφ − |sin Δφ|) against the weighted mean phase.
    for (std::size_t k = 0; k < un; ++k) {
      const double x_energy = std::sqrt(sum_e[k] * sum_e[k] + sum_o[k] * sum_o[k]) + kEpsilon;
      const double mean_e = sum_e[k] / x_energy, mean_o = sum_o[k] / x_energy;
      for (int s = 0; s < kScales; ++s) {
        const double e = eo[static_cast<std::size_t>(s)][k].real(), od = eo[static_cast<std::size_t>(s)][k].imag();
        energy[k] += e * mean_e + od * mean_o - std::abs(e * mean_o - od * mean_e);
      }
    }
    // Noise: the median squared smallest-scale amplitude gives the Rayleigh noise power.
    std::vector<double> a2(un);
    for (std::size_t k = 0; k < un; ++k) a2[k] = std::norm(eo[0][k]);
    const double mean_e2n = -median(std::move(a2)) / std::log(0.5);
    const double noise_power = mean_e2n / em_n;
    double sum_an2 = 0, sum_aiaj = 0;
    for (std::size_t k = 0; k < un; ++k) {
      for (int s = 0; s < kScales; ++s) sum_an2 += spatial_filter[static_cast<std::size_t>(s)][k] * spatial_filter[static_cast<std::size_t>(s)][k];
      for (int si = 0; si < kScales - 1; ++si)
        for (int sj = si + 1; sj < kScales; ++sj)
          sum_aiaj += spatial_filter[static_cast<std::size_t>(si)][k] * spatial_filter[static_cast<std::size_t>(sj)][k];
    }
    const double noise_energy2 = 2 * noise_power * sum_an2 + 4 * noise_power * sum_aiaj;
    const double tau = std::sqrt(noise_energy2 / 2);
    const double noise_mean = tau * std::sqrt(pi / 2), noise_sigma = std::sqrt((2 - pi / 2) * tau * tau);
    // phasecong2's empirical 1/1.7: the estimate suits PC_1, PC_2 overestimates it by about 1.7.
    const double threshold = (noise_mean + kNoiseK * noise_sigma) / 1.7;
    for (std::size_t k = 0; k < un; ++k) {
      energy_all[k] += std::max(energy[k] - threshold, 0.0);
      amplitude_all[k] += sum_an[k];
    }
  }

  Grid pc(nx, ny, 1, 2);
  // A flat image has no amplitude anywhere: no feature, PC 0 (MATLAB would give 0/0).
  for (std::size_t k = 0; k < un; ++k) pc.v[k] = amplitude_all[k] > 0 ? energy_all[k] / amplitude_all[k] : 0.0;
  return pc;
}

}  // namespace mirflow::metrics
