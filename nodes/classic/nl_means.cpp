#include "nl_means.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace mirflow::classic {

double schraudolph_exp(double y) {
  // Writes 2^20/ln2 · y + (1023·2^20 − 60801) into the high word of an IEEE double.
  const auto high = static_cast<std::int32_t>(1512775 * y + 1072632447);
  const std::uint64_t bits = static_cast<std::uint64_t>(static_cast<std::uint32_t>(high)) << 32;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

namespace {

constexpr double kDistanceCutoff = 5.0;  // exp(−5) ≈ 0.007: skimage drops such candidates

// numpy.pad mode 'reflect' (d c b | a b c d | c b a), any pad width.
std::int64_t reflect(std::int64_t i, std::int64_t n) {
  if (n == 1) return 0;
  const std::int64_t period = 2 * n - 2;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

Plane pad_reflect(const Plane& f, std::int64_t pad) {
  Plane p(f.nx + 2 * pad, f.ny + 2 * pad);
  for (std::int64_t y = 0; y < p.ny; ++y)
    for (std::int64_t x = 0; x < p.nx; ++x) p(x, y) = f(reflect(x - pad, f.nx), reflect(y - pad, f.ny));
  return p;
}

// skimage's _nl_means_denoising_2d: every pixel against every candidate in its search window
// (clipped to the image), Gaussian-weighted patch distance.
Plane nl_means_pixelwise(const Plane& f, std::int64_t s, std::int64_t d, double h, double var2,
                         double (*ex)(double)) {
  const std::int64_t off = s / 2;
  const Plane p = pad_reflect(f, off);
  // Patch weights: Gaussian of std (s − 1)/4, normalised to sum 1/h².
  std::vector<double> w(static_cast<std::size_t>(s * s));
  const double a = (static_cast<double>(s) - 1.0) / 4.0;
  double wsum = 0;
  for (std::int64_t i = 0; i < s; ++i)
    for (std::int64_t j = 0; j < s; ++j) {
      const double r2 = static_cast<double>((i - off) * (i - off) + (j - off) * (j - off));
      wsum += w[static_cast<std::size_t>(i * s + j)] = std::exp(-r2 / (2 * a * a));
    }
  for (double& x : w) x /= wsum * h * h;

  Plane out(f.nx, f.ny);
  for (std::int64_t row = 0; row < f.ny; ++row) {
    const std::int64_t i0 = std::max<std::int64_t>(0, row - d), i1 = std::min(f.ny, row + d + 1);
    for (std::int64_t col = 0; col < f.nx; ++col) {
      const std::int64_t j0 = std::max<std::int64_t>(0, col - d), j1 = std::min(f.nx, col + d + 1);
      double acc = 0, weight_sum = 0;
      for (std::int64_t i = i0; i < i1; ++i)
        for (std::int64_t j = j0; j < j1; ++j) {
          double dist = 0;
          bool cut = false;
          for (std::int64_t pi = 0; pi < s && !cut; ++pi) {
            if (dist > kDistanceCutoff) {  // checked before each patch row, as skimage does
              cut = true;
              break;
            }
            for (std::int64_t pj = 0; pj < s; ++pj) {
              const double t = p(col + pj, row + pi) - p(j + pj, i + pi);
              dist += w[static_cast<std::size_t>(pi * s + pj)] * (t * t - var2);
            }
          }
          const double weight = cut ? 0.0 : ex(-std::max(0.0, dist));
          weight_sum += weight;
          acc += weight * f(j, i);
        }
      out(col, row) = acc / weight_sum;
    }
  }
  return out;
}

// skimage's _fast_nl_means_denoising_2d: outer loop over shifts (t_row, t_col ≥ 0); for each,
// an integral image of the squared differences gives every patch distance in O(1), and each
// pair of pixels is credited both ways.
Plane nl_means_integral(const Plane& f, std::int64_t s, std::int64_t d, double h, double var2,
                        double (*ex)(double)) {
  const std::int64_t off = s / 2, pad = off + d + 1;
  const Plane p = pad_reflect(f, pad);
  const std::int64_t nr = p.ny, nc = p.nx;
  Plane weights(nc, nr), result(nc, nr), integral(nc, nr);
  const double h2s2 = h * h * static_cast<double>(s * s);
  for (std::int64_t tr = -d; tr <= d; ++tr) {
    const std::int64_t row_start = std::max(off, off - tr), row_end = std::min(nr - off, nr - off - tr);
    for (std::int64_t tc = 0; tc <= d; ++tc) {
      const double alpha = tc == 0 ? 0.5 : 1.0;  // pairs in the same column are met twice
      std::fill(integral.v.begin(), integral.v.end(), 0.0);
      for (std::int64_t r = std::max<std::int64_t>(1, -tr); r < std::min(nr, nr - tr); ++r)
        for (std::int64_t c = 1; c < nc - tc; ++c) {
          const double t = p(c, r) - p(c + tc, r + tr);
          integral(c, r) = t * t - var2 + integral(c, r - 1) + integral(c - 1, r) - integral(c - 1, r - 1);
        }
      for (std::int64_t r = row_start; r < row_end; ++r) {
        const std::int64_t rs = r + tr;
        for (std::int64_t c = off; c < nc - off - tc; ++c) {
          const double box = integral(c + off, r + off) + integral(c - off, r - off) -
                             integral(c + off, r - off) - integral(c - off, r + off);
          const double dist = std::max(box, 0.0) / h2s2;
          if (dist > kDistanceCutoff) continue;
          const std::int64_t cs = c + tc;
          const double weight = alpha * ex(-dist);
          weights(c, r) += weight;
          weights(cs, rs) += weight;
          result(c, r) += weight * p(cs, rs);
          result(cs, rs) += weight * p(c, r);
        }
      }
    }
  }
  Plane out(f.nx, f.ny);
  for (std::int64_t y = 0; y < f.ny; ++y)
    for (std::int64_t x = 0; x < f.nx; ++x) out(x, y) = result(x + pad, y + pad) / weights(x + pad, y + pad);
  return out;
}

double exact_exp(double y) { return std::exp(y); }

}  // namespace

Plane nl_means(const Plane& f, const NlmOptions& o) {
  if (o.patch_size < 1 || o.patch_distance < 0) throw std::invalid_argument("nl_means: bad patch size or distance");
  if (!(o.h > 0)) return f;  // h = 0: only identical patches would count
  const std::int64_t s = o.patch_size % 2 == 0 ? o.patch_size + 1 : o.patch_size;
  double (*ex)(double) = o.exp ? o.exp : exact_exp;
  const double var2 = 2.0 * o.sigma * o.sigma;
  return o.fast ? nl_means_integral(f, s, o.patch_distance, o.h, var2, ex)
                : nl_means_pixelwise(f, s, o.patch_distance, o.h, var2, ex);
}

}  // namespace mirflow::classic
