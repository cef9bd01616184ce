#include "mirflow_physics/fbp.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MIRFLOW_PHYSICS_AVX2 1
#else
#define MIRFLOW_PHYSICS_AVX2 0
#endif

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <mirflow/error.hpp>

#include "mirflow_physics/fft.hpp"

namespace mirflow::physics {

namespace {
constexpr double kPi = std::numbers::pi;

// atan in float precision (Cephes atanf: reduction to |x| ≤ tan(π/8), degree-9 polynomial),
// several times faster than std::atan2 in the fan-beam back-projection's inner loop.
inline float fast_atan(float x) {
  const float sign = x < 0.f ? -1.f : 1.f;
  x = std::abs(x);
  float y = 0.f;
  if (x > 2.414213562373095f) {
    y = 1.5707963267948966f;
    x = -1.f / x;
  } else if (x > 0.4142135623730950f) {
    y = 0.7853981633974483f;
    x = (x - 1.f) / (x + 1.f);
  }
  const float z = x * x;
  y += (((8.05374449538e-2f * z - 1.38776856032e-1f) * z + 1.99777106478e-1f) * z - 3.33329491539e-1f) * z * x + x;
  return sign * y;
}

// The parallel-beam back-projection of one filtered view into one image row: pixel i reads the
// view at padded index a + b·i, clamped into [0, nb + 1] where the padding is zero, so the loop
// has no branch. GCC does not vectorise the gathers for generic x86-64, so the AVX2 version is
// written out and chosen at run time; the two differ only by float rounding (FMA).
void backproject_row_scalar(float* __restrict acc, const float* __restrict q, std::int64_t nx, float a, float b, float kmax) {
  for (std::int64_t i = 0; i < nx; ++i) {
    const float k = std::min(std::max(a + b * float(i), 0.f), kmax);
    const int k0 = static_cast<int>(k);
    const float fr = k - float(k0);
    acc[i] += q[k0] + fr * (q[k0 + 1] - q[k0]);
  }
}

#if MIRFLOW_PHYSICS_AVX2
// Eight pixels at a time. When |b| ≤ 1 the eight bin indices span at most 8 consecutive bins, so
// two unaligned loads and two in-register permutes replace the (slow) gathers.
__attribute__((target("avx2,fma"))) void backproject_row_avx2(float* __restrict acc, const float* __restrict q, std::int64_t nx,
                                                              float a, float b, float kmax) {
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b), vmax = _mm256_set1_ps(kmax), zero = _mm256_setzero_ps();
  const __m256 eight = _mm256_set1_ps(8.f);
  __m256 vi = _mm256_setr_ps(0.f, 1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f);
  std::int64_t i = 0;
  if (std::abs(b) <= 1.f) {
    for (; i + 8 <= nx; i += 8) {
      const __m256 k = _mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(vb, vi, va), zero), vmax);
      const __m256i k0 = _mm256_cvttps_epi32(k);
      const __m256 fr = _mm256_sub_ps(k, _mm256_cvtepi32_ps(k0));
      // k is monotone across the lanes: its smallest bin is in lane 0 or lane 7.
      const int base = std::min(_mm256_cvtsi256_si32(k0), _mm256_extract_epi32(k0, 7));
      const __m256i idx = _mm256_sub_epi32(k0, _mm256_set1_epi32(base));
      const __m256 q0 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(q + base), idx);
      const __m256 q1 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(q + base + 1), idx);
      const __m256 v = _mm256_fmadd_ps(fr, _mm256_sub_ps(q1, q0), q0);
      _mm256_storeu_ps(acc + i, _mm256_add_ps(_mm256_loadu_ps(acc + i), v));
      vi = _mm256_add_ps(vi, eight);
    }
  } else {
    for (; i + 8 <= nx; i += 8) {
      const __m256 k = _mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(vb, vi, va), zero), vmax);
      const __m256i k0 = _mm256_cvttps_epi32(k);
      const __m256 fr = _mm256_sub_ps(k, _mm256_cvtepi32_ps(k0));
      const __m256 q0 = _mm256_i32gather_ps(q, k0, 4);
      const __m256 q1 = _mm256_i32gather_ps(q + 1, k0, 4);
      const __m256 v = _mm256_fmadd_ps(fr, _mm256_sub_ps(q1, q0), q0);
      _mm256_storeu_ps(acc + i, _mm256_add_ps(_mm256_loadu_ps(acc + i), v));
      vi = _mm256_add_ps(vi, eight);
    }
  }
  backproject_row_scalar(acc + i, q, nx - i, a + b * float(i), b, kmax);
}
#endif

using RowKernel = void (*)(float*, const float*, std::int64_t, float, float, float);
RowKernel row_kernel() {
#if MIRFLOW_PHYSICS_AVX2
  static const RowKernel k =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? backproject_row_avx2 : backproject_row_scalar;
  return k;
#else
  return backproject_row_scalar;
#endif
}

// Fan-beam back-projection of one filtered view into one image row (scalar): pixel i has depth
// t = t0 + i·dt along the central ray and lateral offset l = l0 + i·dl.
struct FanRow {
  float t0, dt, l0, dl, D, dsd_over_du, kofs, kmax;
};

void fan_row_arc(float* __restrict acc, const float* __restrict q, std::int64_t nx, const FanRow& r) {
  for (std::int64_t i = 0; i < nx; ++i) {
    const float t = r.t0 + r.dt * float(i), l = r.l0 + r.dl * float(i);
    const float k = std::min(std::max(r.dsd_over_du * fast_atan(l / t) + r.kofs, 0.f), r.kmax);
    const int k0 = static_cast<int>(k);
    const float fr = k - float(k0);
    acc[i] += (q[k0] + fr * (q[k0 + 1] - q[k0])) / (t * t + l * l);
  }
}

void fan_row_flat(float* __restrict acc, const float* __restrict q, std::int64_t nx, const FanRow& r) {
  for (std::int64_t i = 0; i < nx; ++i) {
    const float t = r.t0 + r.dt * float(i), l = r.l0 + r.dl * float(i);
    const float rt = 1.f / t, w = r.D * rt;
    const float k = std::min(std::max(r.dsd_over_du * l * rt + r.kofs, 0.f), r.kmax);
    const int k0 = static_cast<int>(k);
    const float fr = k - float(k0);
    acc[i] += (q[k0] + fr * (q[k0 + 1] - q[k0])) * w * w;
  }
}

}  // namespace

const char* fbp_filter_name(FbpFilter f) {
  switch (f) {
    case FbpFilter::Ramp: return "ramp";
    case FbpFilter::SheppLogan: return "shepp-logan";
    case FbpFilter::Cosine: return "cosine";
    case FbpFilter::Hann: return "hann";
  }
  return "ramp";
}

FbpFilter fbp_filter_from_name(const std::string& name) {
  if (name == "ramp") return FbpFilter::Ramp;
  if (name == "shepp-logan" || name == "shepp_logan") return FbpFilter::SheppLogan;
  if (name == "cosine") return FbpFilter::Cosine;
  if (name == "hann") return FbpFilter::Hann;
  throw InputError("unknown FBP filter '" + name + "' (expected ramp, shepp-logan, cosine or hann)");
}

std::int64_t fbp_padded_length(std::int64_t bins) {
  std::int64_t p = 64;
  while (p < 2 * bins) p *= 2;
  return p;
}

namespace {

// Window at normalised frequency f ∈ [0, ½], stretched so that `cutoff` (fraction of Nyquist)
// plays the part of Nyquist; 0 above it.
double window(FbpFilter filter, double f, double cutoff) {
  if (f > 0.5 * cutoff + 1e-12) return 0.0;
  const double g = f / cutoff;
  switch (filter) {
    case FbpFilter::Ramp: return 1.0;
    case FbpFilter::SheppLogan: return g == 0.0 ? 1.0 : std::sin(kPi * g) / (kPi * g);
    case FbpFilter::Cosine: return std::cos(kPi * g);
    case FbpFilter::Hann: return 0.5 * (1.0 + std::cos(2.0 * kPi * g));
  }
  return 1.0;
}

// The real DFT (k = 0 … P/2) of a symmetric kernel given at lags 0 … P/2, times the window.
std::vector<double> spectrum(const std::vector<double>& kernel, std::int64_t padded, FbpFilter filter, double cutoff) {
  const std::int64_t P = padded;
  RealFft1d fft(static_cast<int>(P));
  auto in = fft_real_buffer(std::size_t(P));
  auto out = fft_complex_buffer(std::size_t(P / 2 + 1));
  for (std::int64_t n = 0; n <= P / 2; ++n) {
    in[std::size_t(n)] = static_cast<float>(kernel[std::size_t(n)]);
    if (n > 0 && n < P / 2) in[std::size_t(P - n)] = static_cast<float>(kernel[std::size_t(n)]);
  }
  fft.forward(in.get(), out.get());
  std::vector<double> h(std::size_t(P / 2 + 1));
  for (std::int64_t k = 0; k <= P / 2; ++k)
    h[std::size_t(k)] = double(out[std::size_t(k)].real()) * window(filter, double(k) / double(P), cutoff);
  return h;
}

// The band-limited ramp's discrete kernel for unit sample spacing (Kak & Slaney eq. 3.61).
std::vector<double> ramp_kernel(std::int64_t padded) {
  std::vector<double> h(std::size_t(padded / 2 + 1), 0.0);
  h[0] = 0.25;
  for (std::int64_t n = 1; n <= padded / 2; n += 2) h[std::size_t(n)] = -1.0 / (kPi * kPi * double(n) * double(n));
  return h;
}

struct Weighting {
  std::vector<double> filter;      // per frequency: the kernel spectrum × window × sample step
  std::vector<double> pre;         // per bin: cosine pre-weight (1 for parallel)
  std::vector<double> view_weight; // per view: Δβ (and the factor 2 of a short scan)
  std::vector<std::vector<double>> parker;  // per view and bin (short fan scans), else empty
};

std::string degrees(double rad) {
  std::ostringstream s;
  s.precision(4);
  s << rad * 180.0 / kPi << "°";
  return s.str();
}

Weighting make_weighting(const ProjectionGeometry& g, const FbpOptions& o) {
  Weighting w;
  const std::int64_t P = fbp_padded_length(g.bins), nb = g.bins, nv = g.views();
  if (g.beam == Beam::Parallel) {
    w.filter = spectrum(ramp_kernel(P), P, o.filter, o.cutoff);
    for (double& v : w.filter) v /= g.bin_spacing;  // Q = τ·Σ R h, h = kernel/τ²
    w.pre.assign(std::size_t(nb), 1.0);
    w.view_weight.assign(std::size_t(nv), kPi / double(nv));
    return w;
  }
  const double D = g.source_to_isocenter, Dsd = g.source_to_detector;
  if (g.detector == DetectorShape::Arc) {
    // Equiangular: g(nα) = ½(nα/sin nα)²·h(nα): 1/(8α²) at 0, −1/(2π² sin² nα) at odd n.
    const double alpha = g.bin_spacing / Dsd;
    std::vector<double> k(std::size_t(P / 2 + 1), 0.0);
    k[0] = 1.0 / (8.0 * alpha * alpha);
    for (std::int64_t n = 1; n <= P / 2; n += 2) {
      const double s = n < nb ? std::sin(double(n) * alpha) : double(n) * alpha;  // lags ≥ bins never meet data
      k[std::size_t(n)] = -1.0 / (2.0 * kPi * kPi * s * s);
    }
    w.filter = spectrum(k, P, o.filter, o.cutoff);
    for (double& v : w.filter) v *= alpha;
    for (std::int64_t b = 0; b < nb; ++b) w.pre.push_back(D * std::cos(g.fan_angle(double(b))));
  } else {
    // Flat: on the virtual detector through the isocentre, p = u·D/Dsd, g(p) = ½h(p).
    const double a = g.bin_spacing * D / Dsd;
    w.filter = spectrum(ramp_kernel(P), P, o.filter, o.cutoff);
    for (double& v : w.filter) v *= 0.5 / a;
    for (std::int64_t b = 0; b < nb; ++b) {
      const double p = g.bin_position(double(b)) * D / Dsd;
      w.pre.push_back(D / std::sqrt(D * D + p * p));
    }
  }
  // Scan range: a full turn, or a short scan of at least 180° + fan angle (Parker weights).
  double step = nv > 1 ? (g.angles_deg.back() - g.angles_deg.front()) / double(nv - 1) : 0.0;
  step *= kPi / 180.0;
  const double coverage = std::abs(step) * double(nv);
  double gmax = 0;
  for (std::int64_t b = 0; b < nb; ++b) gmax = std::max(gmax, std::abs(g.fan_angle(double(b))));
  if (coverage >= 2.0 * kPi * (1.0 - 1e-6)) {
    w.view_weight.assign(std::size_t(nv), 2.0 * kPi / double(nv));
    return w;
  }
  const double span = std::abs(step) * double(nv - 1);
  const double gm = 0.5 * (span - kPi);
  if (nv < 2 || gm < gmax * (1.0 - 1e-9))
    throw InputError("fan-beam FBP needs a full turn (360°) or a short scan of at least 180° + the fan angle (" +
                     degrees(kPi + 2.0 * gmax) + "), evenly spaced; the views span " + degrees(span));
  // Parker (1982), generalised to any span ≥ 180° + fan: β from the first view, γ_P = −σ·γ with
  // σ the direction of rotation (the conjugate of (β, γ_P) is (β + π + 2γ_P, −γ_P)).
  const double sigma = step >= 0 ? 1.0 : -1.0;
  w.parker.assign(std::size_t(nv), std::vector<double>(std::size_t(nb), 1.0));
  for (std::int64_t v = 0; v < nv; ++v) {
    const double beta = std::abs(step) * double(v);
    for (std::int64_t b = 0; b < nb; ++b) {
      const double gp = -sigma * g.fan_angle(double(b));
      double wt = 1.0;
      if (beta < 2.0 * gm - 2.0 * gp) {
        const double s = std::sin(0.25 * kPi * beta / (gm - gp));
        wt = s * s;
      } else if (beta > kPi - 2.0 * gp) {
        const double s = std::sin(0.25 * kPi * (kPi + 2.0 * gm - beta) / (gm + gp));
        wt = s * s;
      }
      w.parker[std::size_t(v)][std::size_t(b)] = wt;
    }
  }
  w.view_weight.assign(std::size_t(nv), 2.0 * std::abs(step));
  return w;
}

// Filtered views, each padded with one zero bin in front and kPadBehind behind (index b + 1
// holds bin b), so the back-projection interpolates to 0 at the detector's edges without
// branches and may load 9 bins from any clamped index.
constexpr std::int64_t kPadBehind = 10;
std::vector<float> filter_views(const Sinogram& s, const Weighting& w) {
  const ProjectionGeometry& g = s.geometry;
  const std::int64_t P = fbp_padded_length(g.bins), nb = g.bins, nv = g.views(), stride = nb + 1 + kPadBehind;
  std::vector<float> q(std::size_t(nv * stride), 0.f);
  const RealFft1d fft(static_cast<int>(P));
  const float* data = s.data.data<float>();
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, nv, 8), [&](const tbb::blocked_range<std::int64_t>& r) {
    auto in = fft_real_buffer(std::size_t(P));
    auto sp = fft_complex_buffer(std::size_t(P / 2 + 1));
    for (std::int64_t v = r.begin(); v < r.end(); ++v) {
      const float* row = data + v * nb;
      for (std::int64_t b = 0; b < nb; ++b) {
        double x = double(row[b]) * w.pre[std::size_t(b)];
        if (!w.parker.empty()) x *= w.parker[std::size_t(v)][std::size_t(b)];
        in[std::size_t(b)] = static_cast<float>(x);
      }
      std::fill(in.get() + nb, in.get() + P, 0.f);
      fft.forward(in.get(), sp.get());
      for (std::int64_t k = 0; k <= P / 2; ++k) sp[std::size_t(k)] *= static_cast<float>(w.filter[std::size_t(k)] / double(P));
      fft.inverse(sp.get(), in.get());
      float* out = q.data() + v * stride;
      const float vw = static_cast<float>(w.view_weight[std::size_t(v)]);
      for (std::int64_t b = 0; b < nb; ++b) out[b + 1] = in[std::size_t(b)] * vw;
    }
  });
  return q;
}

}  // namespace

std::vector<double> fbp_frequency_response(std::int64_t padded, FbpFilter filter, double cutoff) {
  return spectrum(ramp_kernel(padded), padded, filter, cutoff);
}

Image fbp(const Sinogram& s, const FbpOptions& o) {
  check_sinogram(s, "fbp");
  if (!(o.cutoff > 0.0 && o.cutoff <= 1.0)) throw InputError("fbp: cutoff must be in (0, 1]");
  const ProjectionGeometry& g = s.geometry;
  const std::int64_t nx = o.nx > 0 ? o.nx : g.image_nx, ny = o.ny > 0 ? o.ny : g.image_ny;
  const double dx = o.dx > 0 ? o.dx : g.pixel_dx, dy = o.dy > 0 ? o.dy : g.pixel_dy;
  Sinogram in{as_contiguous_f32(s.data), g};
  const Weighting w = make_weighting(g, o);
  const std::vector<float> q = filter_views(in, w);

  const Space out_space = centred_space(nx, ny, dx, dy);
  Image out = out_space.allocate();
  float* f = out.data<float>();
  const std::int64_t nb = g.bins, nv = g.views(), stride = nb + 1 + kPadBehind;
  std::vector<double> cs(static_cast<std::size_t>(nv)), sn(static_cast<std::size_t>(nv));
  for (std::int64_t v = 0; v < nv; ++v) {
    cs[std::size_t(v)] = std::cos(g.angles_deg[std::size_t(v)] * kPi / 180.0);
    sn[std::size_t(v)] = std::sin(g.angles_deg[std::size_t(v)] * kPi / 180.0);
  }
  const double x0 = out_space.origin[0], y0 = out_space.origin[1];
  const double u0 = g.bin_position(0.0), du = g.bin_spacing;
  const float kmax = float(nb + 1);  // padded indices 0 and nb + 1 … hold zeros

  const RowKernel parallel_row = o.vectorized ? row_kernel() : backproject_row_scalar;
  // Tiles of rows: each filtered view is read once per tile (from L1) instead of once per row.
  constexpr std::int64_t kTile = 8;
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, (ny + kTile - 1) / kTile), [&](const tbb::blocked_range<std::int64_t>& r) {
    std::vector<float> acc(static_cast<std::size_t>(kTile * nx));
    for (std::int64_t tile = r.begin(); tile < r.end(); ++tile) {
      const std::int64_t j0 = tile * kTile, j1 = std::min(ny, j0 + kTile);
      std::fill(acc.begin(), acc.end(), 0.f);
      for (std::int64_t v = 0; v < nv; ++v) {
        const float* qv = q.data() + v * stride;
        const double c = cs[std::size_t(v)], sv = sn[std::size_t(v)];
        for (std::int64_t j = j0; j < j1; ++j) {
          float* row = acc.data() + (j - j0) * nx;
          const double y = y0 + double(j) * dy;
          if (g.beam == Beam::Parallel) {
            // Padded bin index of pixel i: a + b·i.
            parallel_row(row, qv, nx, float((x0 * c + y * sv - u0) / du + 1.0), float(dx * c / du), kmax);
          } else {
            // t: depth along the central ray from the source (> 0: the source is outside the image
            // circle); l: lateral, along n. Both affine in i.
            const FanRow fr{float(-x0 * sv + y * c + g.source_to_isocenter), float(-dx * sv), float(x0 * c + y * sv),
                            float(dx * c), float(g.source_to_isocenter), float(g.source_to_detector / du),
                            float(-u0 / du + 1.0), kmax};
            if (g.detector == DetectorShape::Arc)
              fan_row_arc(row, qv, nx, fr);
            else
              fan_row_flat(row, qv, nx, fr);
          }
        }
      }
      std::copy(acc.begin(), acc.begin() + (j1 - j0) * nx, f + j0 * nx);
    }
  });
  return out;
}

}  // namespace mirflow::physics
