#include "bm3d.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace mirflow::classic {

Bm3dOptions bm3d_defaults(double sigma, double range) {
  Bm3dOptions o;
  o.sigma = sigma;
  o.range = range;
  const double sigma255 = range > 0 ? sigma * 255.0 / range : sigma;
  if (sigma255 >= 35.0) {
    o.hard.tau_match = 5000;
    o.wiener.tau_match = 3500;
  }
  return o;
}

namespace {

// Orthonormal DCT-II matrix of size k: C[u][x] = c(u) cos((2x + 1)uπ / 2k).
std::vector<double> dct_matrix(int k) {
  std::vector<double> c(static_cast<std::size_t>(k * k));
  for (int u = 0; u < k; ++u)
    for (int x = 0; x < k; ++x)
      c[static_cast<std::size_t>(u * k + x)] =
          (u == 0 ? std::sqrt(1.0 / k) : std::sqrt(2.0 / k)) * std::cos((2 * x + 1) * u * std::numbers::pi / (2.0 * k));
  return c;
}

// Separable 2-D transform of a k x k block: out = C · in · Cᵀ (forward) or Cᵀ · in · C (inverse).
void transform2d(const std::vector<double>& c, int k, const double* in, double* out, bool inverse) {
  std::vector<double> tmp(static_cast<std::size_t>(k * k), 0.0);
  auto m = [&](int a, int b) { return inverse ? c[static_cast<std::size_t>(b * k + a)] : c[static_cast<std::size_t>(a * k + b)]; };
  for (int u = 0; u < k; ++u)  // along rows (y)
    for (int x = 0; x < k; ++x) {
      double s = 0;
      for (int y = 0; y < k; ++y) s += m(u, y) * in[y * k + x];
      tmp[static_cast<std::size_t>(u * k + x)] = s;
    }
  for (int u = 0; u < k; ++u)  // along columns (x)
    for (int v = 0; v < k; ++v) {
      double s = 0;
      for (int x = 0; x < k; ++x) s += m(v, x) * tmp[static_cast<std::size_t>(u * k + x)];
      out[u * k + v] = s;
    }
}

// In-place orthonormal Walsh–Hadamard transform over n (a power of two) vectors of length len:
// element e of vector g is data[g·len + e]. It is its own inverse.
void hadamard(std::vector<double>& data, int n, int len) {
  for (int h = 1; h < n; h *= 2)
    for (int i = 0; i < n; i += 2 * h)
      for (int j = i; j < i + h; ++j)
        for (int e = 0; e < len; ++e) {
          double& a = data[static_cast<std::size_t>(j * len + e)];
          double& b = data[static_cast<std::size_t>((j + h) * len + e)];
          const double s = a + b, d = a - b;
          a = s;
          b = d;
        }
  const double norm = 1.0 / std::sqrt(static_cast<double>(n));
  for (double& v : data) v *= norm;
}

// Positions 0, p, 2p, ... below n − k, and n − k itself, so that every pixel is covered.
std::vector<std::int64_t> reference_positions(std::int64_t n, int k, int p) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < n - k; i += p) out.push_back(i);
  out.push_back(n - k);
  return out;
}

// 2-D spectra of every k x k patch of an image, indexed by the patch's top-left corner.
struct PatchSpectra {
  std::int64_t nx = 0, ny = 0;  // number of patch positions along x and y
  int k = 0;
  std::vector<double> data;
  const double* at(std::int64_t x, std::int64_t y) const {
    return &data[static_cast<std::size_t>((y * nx + x) * k * k)];
  }
};

PatchSpectra spectra(const Plane& img, int k, const std::vector<double>& c) {
  PatchSpectra s{img.nx - k + 1, img.ny - k + 1, k, {}};
  s.data.resize(static_cast<std::size_t>(s.nx * s.ny * k * k));
  std::vector<double> block(static_cast<std::size_t>(k * k));
  for (std::int64_t y = 0; y < s.ny; ++y)
    for (std::int64_t x = 0; x < s.nx; ++x) {
      for (int j = 0; j < k; ++j)
        for (int i = 0; i < k; ++i) block[static_cast<std::size_t>(j * k + i)] = img(x + i, y + j);
      transform2d(c, k, block.data(), &s.data[static_cast<std::size_t>((y * s.nx + x) * k * k)], false);
    }
  return s;
}

struct Match {
  double distance;
  std::int64_t x, y;
};

// Patches of `img` within the search window of (rx, ry) whose mean squared difference to the
// reference is below tau, closest first (ties: raster order), at most max_group, cut down to a
// power of two. The reference itself (distance 0) is always first.
std::vector<Match> match_block(const Plane& img, std::int64_t rx, std::int64_t ry, const Bm3dStep& s) {
  const int k = s.patch;
  const double threshold = s.tau_match * k * k;
  std::vector<Match> found;
  const std::int64_t x0 = std::max<std::int64_t>(0, rx - s.search_radius), x1 = std::min(img.nx - k, rx + s.search_radius);
  const std::int64_t y0 = std::max<std::int64_t>(0, ry - s.search_radius), y1 = std::min(img.ny - k, ry + s.search_radius);
  for (std::int64_t y = y0; y <= y1; ++y)
    for (std::int64_t x = x0; x <= x1; ++x) {
      double d = 0;
      for (int j = 0; j < k && d < threshold; ++j)
        for (int i = 0; i < k; ++i) {
          const double t = img(rx + i, ry + j) - img(x + i, y + j);
          d += t * t;
        }
      if (d < threshold) found.push_back({d, x, y});
    }
  std::stable_sort(found.begin(), found.end(), [](const Match& a, const Match& b) { return a.distance < b.distance; });
  std::size_t n = 1;
  while (2 * n <= std::min<std::size_t>(found.size(), static_cast<std::size_t>(s.max_group))) n *= 2;
  found.resize(n);
  return found;
}

// Weighted overlap-add of filtered patches: numerator and denominator of the final average.
struct Aggregator {
  Plane num, den;
  std::vector<double> window;  // k x k Kaiser window
  int k;
  Aggregator(std::int64_t nx, std::int64_t ny, int k_, double beta) : num(nx, ny), den(nx, ny), k(k_) {
    std::vector<double> w1(static_cast<std::size_t>(k));
    for (int i = 0; i < k; ++i) {
      const double r = 2.0 * i / (k - 1) - 1.0;
      w1[static_cast<std::size_t>(i)] = std::cyl_bessel_i(0.0, beta * std::sqrt(1.0 - r * r)) / std::cyl_bessel_i(0.0, beta);
    }
    for (int j = 0; j < k; ++j)
      for (int i = 0; i < k; ++i) window.push_back(w1[static_cast<std::size_t>(j)] * w1[static_cast<std::size_t>(i)]);
  }
  void add(const double* patch, std::int64_t x, std::int64_t y, double weight) {
    for (int j = 0; j < k; ++j)
      for (int i = 0; i < k; ++i) {
        const double w = weight * window[static_cast<std::size_t>(j * k + i)];
        num(x + i, y + j) += w * patch[j * k + i];
        den(x + i, y + j) += w;
      }
  }
  Plane result() const {
    Plane out(num.nx, num.ny);
    for (std::size_t i = 0; i < out.v.size(); ++i) out.v[i] = num.v[i] / den.v[i];
    return out;
  }
};

// Step 1: groups matched on the noisy image, hard thresholding of their 3-D spectra.
Plane basic_estimate(const Plane& noisy, double sigma, const Bm3dOptions& o) {
  const Bm3dStep& s = o.hard;
  const int k = s.patch, kk = k * k;
  const std::vector<double> c = dct_matrix(k);
  const PatchSpectra spec = spectra(noisy, k, c);
  Aggregator agg(noisy.nx, noisy.ny, k, o.kaiser_beta);
  const double threshold = o.lambda3d * sigma;
  std::vector<double> group, patch(static_cast<std::size_t>(kk));
  for (std::int64_t ry : reference_positions(noisy.ny, k, s.stride))
    for (std::int64_t rx : reference_positions(noisy.nx, k, s.stride)) {
      const std::vector<Match> m = match_block(noisy, rx, ry, s);
      const int n = static_cast<int>(m.size());
      group.resize(static_cast<std::size_t>(n * kk));
      for (int g = 0; g < n; ++g) std::copy_n(spec.at(m[static_cast<std::size_t>(g)].x, m[static_cast<std::size_t>(g)].y), kk, &group[static_cast<std::size_t>(g * kk)]);
      hadamard(group, n, kk);
      int kept = 0;
      for (double& v : group) {
        if (std::abs(v) > threshold) ++kept;
        else v = 0;
      }
      hadamard(group, n, kk);
      // the fewer coefficients survive, the less noise the group's estimate carries
      const double weight = kept > 0 ? 1.0 / (sigma * sigma * kept) : 1.0;
      for (int g = 0; g < n; ++g) {
        transform2d(c, k, &group[static_cast<std::size_t>(g * kk)], patch.data(), true);
        agg.add(patch.data(), m[static_cast<std::size_t>(g)].x, m[static_cast<std::size_t>(g)].y, weight);
      }
    }
  return agg.result();
}

// Step 2: groups matched on the basic estimate, empirical Wiener shrinkage of the noisy spectra.
Plane final_estimate(const Plane& noisy, const Plane& basic, double sigma, const Bm3dOptions& o) {
  const Bm3dStep& s = o.wiener;
  const int k = s.patch, kk = k * k;
  const std::vector<double> c = dct_matrix(k);
  const PatchSpectra spec_noisy = spectra(noisy, k, c), spec_basic = spectra(basic, k, c);
  Aggregator agg(noisy.nx, noisy.ny, k, o.kaiser_beta);
  std::vector<double> gn, gb, patch(static_cast<std::size_t>(kk));
  const double var = sigma * sigma;
  for (std::int64_t ry : reference_positions(noisy.ny, k, s.stride))
    for (std::int64_t rx : reference_positions(noisy.nx, k, s.stride)) {
      const std::vector<Match> m = match_block(basic, rx, ry, s);
      const int n = static_cast<int>(m.size());
      gn.resize(static_cast<std::size_t>(n * kk));
      gb.resize(gn.size());
      for (int g = 0; g < n; ++g) {
        const Match& mg = m[static_cast<std::size_t>(g)];
        std::copy_n(spec_noisy.at(mg.x, mg.y), kk, &gn[static_cast<std::size_t>(g * kk)]);
        std::copy_n(spec_basic.at(mg.x, mg.y), kk, &gb[static_cast<std::size_t>(g * kk)]);
      }
      hadamard(gn, n, kk);
      hadamard(gb, n, kk);
      double sum_w2 = 0;
      for (std::size_t i = 0; i < gn.size(); ++i) {
        const double b2 = gb[i] * gb[i];
        const double w = b2 / (b2 + var);
        gn[i] *= w;
        sum_w2 += w * w;
      }
      hadamard(gn, n, kk);
      const double weight = sum_w2 > 0 ? 1.0 / (var * sum_w2) : 1.0;
      for (int g = 0; g < n; ++g) {
        transform2d(c, k, &gn[static_cast<std::size_t>(g * kk)], patch.data(), true);
        agg.add(patch.data(), m[static_cast<std::size_t>(g)].x, m[static_cast<std::size_t>(g)].y, weight);
      }
    }
  return agg.result();
}

}  // namespace

Plane bm3d(const Plane& f, const Bm3dOptions& o) {
  const int k = std::max(o.hard.patch, o.wiener.patch);
  if (f.nx < k || f.ny < k)
    throw std::invalid_argument("bm3d needs a slice of at least " + std::to_string(k) + "x" + std::to_string(k) +
                                " pixels, got " + std::to_string(f.nx) + "x" + std::to_string(f.ny));
  if (!(o.sigma > 0)) return f;
  // The matching thresholds are Lebrun's, for intensities on 0–255: map the slice there and back.
  const auto [lo_it, hi_it] = std::minmax_element(f.v.begin(), f.v.end());
  const double lo = *lo_it, span = o.range > 0 ? o.range : *hi_it - lo;
  const double scale = span > 0 ? 255.0 / span : 1.0;
  Plane g(f.nx, f.ny);
  for (std::size_t i = 0; i < g.v.size(); ++i) g.v[i] = (f.v[i] - lo) * scale;
  const double sigma = o.sigma * scale;
  Plane u = basic_estimate(g, sigma, o);
  if (o.wiener_step) u = final_estimate(g, u, sigma, o);
  for (std::size_t i = 0; i < u.v.size(); ++i) u.v[i] = u.v[i] / scale + lo;
  return u;
}

}  // namespace mirflow::classic
