#include "bm3d.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <span>
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

using Volume = std::vector<Plane>;

// The separable orthonormal 2-D DCT-II of a k x k block: out = C · in · Cᵀ (forward) or Cᵀ · in · C
// (inverse), with C[u][x] = c(u) cos((2x + 1)uπ / 2k). Every output is a sum in a fixed order, the
// loops only put independent sums side by side (so that they vectorise).
class Dct {
 public:
  explicit Dct(int k) : k_(k), c_(static_cast<std::size_t>(k * k)), ct_(c_.size()) {
    for (int u = 0; u < k; ++u)
      for (int x = 0; x < k; ++x) {
        const double v =
            (u == 0 ? std::sqrt(1.0 / k) : std::sqrt(2.0 / k)) * std::cos((2 * x + 1) * u * std::numbers::pi / (2.0 * k));
        c_[idx(u, x)] = v;
        ct_[idx(x, u)] = v;
      }
  }
  int k() const { return k_; }
  // `tmp` holds k·k doubles of scratch.
  void forward(const double* in, double* out, double* tmp) const { apply(c_.data(), ct_.data(), in, out, tmp); }
  void inverse(const double* in, double* out, double* tmp) const { apply(ct_.data(), c_.data(), in, out, tmp); }

 private:
  std::size_t idx(int a, int b) const { return static_cast<std::size_t>(a * k_ + b); }
  // out[u][v] = Σ_x b[x][v] · (Σ_y a[u][y] · in[y][x]), both sums in increasing order.
  void apply(const double* a, const double* b, const double* in, double* out, double* tmp) const {
    const int k = k_;
    for (int u = 0; u < k; ++u) {  // along rows (y)
      double* t = tmp + u * k;
      std::fill_n(t, k, 0.0);
      for (int y = 0; y < k; ++y) {
        const double m = a[u * k + y];
        for (int x = 0; x < k; ++x) t[x] += m * in[y * k + x];
      }
    }
    for (int u = 0; u < k; ++u) {  // along columns (x)
      double* o = out + u * k;
      std::fill_n(o, k, 0.0);
      for (int x = 0; x < k; ++x) {
        const double t = tmp[u * k + x];
        for (int v = 0; v < k; ++v) o[v] += b[x * k + v] * t;
      }
    }
  }
  int k_;
  std::vector<double> c_, ct_;
};

// In-place orthonormal Walsh–Hadamard transform over n (a power of two) vectors of length len:
// element e of vector g is data[g·len + e]. It is its own inverse.
void hadamard(std::vector<double>& data, int n, int len) {
  for (int h = 1; h < n; h *= 2)
    for (int i = 0; i < n; i += 2 * h)
      for (int j = i; j < i + h; ++j) {
        double* a = &data[static_cast<std::size_t>(j * len)];
        double* b = &data[static_cast<std::size_t>((j + h) * len)];
        for (int e = 0; e < len; ++e) {
          const double s = a[e] + b[e], d = a[e] - b[e];
          a[e] = s;
          b[e] = d;
        }
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

// The slices searched for a reference on slice z: z first, then z − 1, z + 1, z − 2, z + 2, ...
// (within the volume), so that among equally close candidates the nearer slice wins.
std::vector<std::int64_t> search_slices(std::int64_t z, std::int64_t nz, int radius) {
  std::vector<std::int64_t> out{z};
  for (std::int64_t d = 1; d <= radius; ++d) {
    if (z - d >= 0) out.push_back(z - d);
    if (z + d < nz) out.push_back(z + d);
  }
  return out;
}

// The 2-D spectrum of the k x k patch of `img` at (x, y). The patches of a group are transformed when
// the group is formed: keeping the spectra of every patch of the slices in the search window instead
// (32 MB per 256 x 256 slice) was measured slower (page faults, cache misses) and needs far more memory.
void patch_spectrum(const Plane& img, std::int64_t x, std::int64_t y, const Dct& dct, double* out, double* block,
                    double* tmp) {
  const int k = dct.k();
  for (int j = 0; j < k; ++j) std::copy_n(&img.v[static_cast<std::size_t>((y + j) * img.nx + x)], k, block + j * k);
  dct.forward(block, out, tmp);
}

struct Match {
  double distance;
  std::int64_t x, y, z;
  std::size_t seq;  // the order found in (breaks ties)
};

// Patches of the slices `zs` (search_slices) within the in-plane search window of the reference
// (rx, ry) on slice zs[0] whose mean squared difference to the reference is below tau: the reference
// first, then the others closest first (ties: in the order of zs, then raster order), at most
// max_group in all, cut down to a power of two. Reuses `found`.
void match_block(const Volume& img, const std::vector<std::int64_t>& zs, std::int64_t rx, std::int64_t ry,
                 const Bm3dStep& s, std::vector<Match>& found) {
  const int k = s.patch;
  const double threshold = s.tau_match * k * k;
  const Plane& r = img[static_cast<std::size_t>(zs[0])];
  const std::int64_t nx = r.nx;
  const double* ref = &r.v[static_cast<std::size_t>(ry * nx + rx)];
  found.clear();
  const std::int64_t x0 = std::max<std::int64_t>(0, rx - s.search_radius), x1 = std::min(r.nx - k, rx + s.search_radius);
  const std::int64_t y0 = std::max<std::int64_t>(0, ry - s.search_radius), y1 = std::min(r.ny - k, ry + s.search_radius);
  // Each distance is summed row by row, pixel by pixel, as a scalar loop would; B candidates side by
  // side only make B independent sums (which vectorise). A row is skipped once all B are over the
  // threshold: a sum of squares only grows, so that changes no decision.
  constexpr int B = 8;
  for (std::int64_t z : zs) {
    const Plane& c = img[static_cast<std::size_t>(z)];
    for (std::int64_t y = y0; y <= y1; ++y) {
      std::int64_t x = x0;
      for (; x + B - 1 <= x1; x += B) {
        double d[B] = {};
        for (int j = 0; j < k; ++j) {
          bool any = false;
          for (int b = 0; b < B; ++b) any |= d[b] < threshold;
          if (!any) break;
          const double* rr = ref + j * nx;
          const double* cc = &c.v[static_cast<std::size_t>((y + j) * nx + x)];
          for (int i = 0; i < k; ++i)
            for (int b = 0; b < B; ++b) {
              const double t = rr[i] - cc[i + b];
              d[b] += t * t;
            }
        }
        for (int b = 0; b < B; ++b)
          if (d[b] < threshold) found.push_back({d[b], x + b, y, z, found.size()});
      }
      for (; x <= x1; ++x) {
        double d = 0;
        for (int j = 0; j < k && d < threshold; ++j) {
          const double* rr = ref + j * nx;
          const double* cc = &c.v[static_cast<std::size_t>((y + j) * nx + x)];
          for (int i = 0; i < k; ++i) {
            const double t = rr[i] - cc[i];
            d += t * t;
          }
        }
        if (d < threshold) found.push_back({d, x, y, z, found.size()});
      }
    }
  }
  // The reference leads its group even where other patches are exactly as close (flat regions, e.g.
  // a zero background): a group without it could leave pixels that no patch covers.
  const auto self =
      std::find_if(found.begin(), found.end(), [&](const Match& a) { return a.x == rx && a.y == ry && a.z == zs[0]; });
  if (self != found.end()) self->distance = -1;
  else found.push_back({-1, rx, ry, zs[0], found.size()});  // tau_match <= 0, or NaN in the image
  // Only the closest max_group are wanted, in the order a stable sort by distance would give them.
  const std::size_t m = std::min<std::size_t>(found.size(), static_cast<std::size_t>(s.max_group));
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(m), found.end(),
                    [](const Match& a, const Match& b) {
                      return a.distance < b.distance || (a.distance == b.distance && a.seq < b.seq);
                    });
  std::size_t n = 1;
  while (2 * n <= m) n *= 2;
  found.resize(n);
}

// The filtered patches of one row of reference patches, in order, with where and how much they count.
struct FilteredRow {
  struct Placed {
    std::int64_t x, y, z;
    double weight;
  };
  std::vector<Placed> where;
  std::vector<double> patches;  // k·k values per entry of `where`
  void clear() {
    where.clear();
    patches.clear();
  }
  // Appends room for a patch at (x, y, z) and returns it.
  double* add(std::int64_t x, std::int64_t y, std::int64_t z, double weight, int kk) {
    where.push_back({x, y, z, weight});
    patches.resize(patches.size() + static_cast<std::size_t>(kk));
    return &patches[patches.size() - static_cast<std::size_t>(kk)];
  }
};

// Weighted overlap-add of filtered patches: numerator and denominator of the final average, for
// the 2·radius + 1 slices a reference slice's groups can reach (a ring: slice z + radius takes the
// buffers of slice z − radius − 1, which is final by then).
class Aggregator {
 public:
  Aggregator(std::int64_t nx, std::int64_t ny, std::int64_t nz, int radius, int k, double beta)
      : k_(k), num_(static_cast<std::size_t>(std::min<std::int64_t>(2 * static_cast<std::int64_t>(radius) + 1, nz)),
                     Plane(nx, ny)),
        den_(num_) {
    std::vector<double> w1(static_cast<std::size_t>(k));
    for (int i = 0; i < k; ++i) {
      const double r = 2.0 * i / (k - 1) - 1.0;
      w1[static_cast<std::size_t>(i)] = std::cyl_bessel_i(0.0, beta * std::sqrt(1.0 - r * r)) / std::cyl_bessel_i(0.0, beta);
    }
    for (int j = 0; j < k; ++j)
      for (int i = 0; i < k; ++i) window_.push_back(w1[static_cast<std::size_t>(j)] * w1[static_cast<std::size_t>(i)]);
  }
  void start(std::int64_t z) {
    std::fill(slot(num_, z).v.begin(), slot(num_, z).v.end(), 0.0);
    std::fill(slot(den_, z).v.begin(), slot(den_, z).v.end(), 0.0);
  }
  void add(const FilteredRow& row) {
    const int k = k_;
    for (std::size_t p = 0; p < row.where.size(); ++p) {
      const FilteredRow::Placed& w = row.where[p];
      const double* patch = &row.patches[p * static_cast<std::size_t>(k * k)];
      Plane& num = slot(num_, w.z);
      Plane& den = slot(den_, w.z);
      for (int j = 0; j < k; ++j) {
        double* nr = &num.v[static_cast<std::size_t>((w.y + j) * num.nx + w.x)];
        double* dr = &den.v[static_cast<std::size_t>((w.y + j) * num.nx + w.x)];
        for (int i = 0; i < k; ++i) {
          const double ww = w.weight * window_[static_cast<std::size_t>(j * k + i)];
          nr[i] += ww * patch[j * k + i];
          dr[i] += ww;
        }
      }
    }
  }
  Plane result(std::int64_t z) const {
    const Plane& num = slot(num_, z);
    const Plane& den = slot(den_, z);
    Plane out(num.nx, num.ny);
    for (std::size_t i = 0; i < out.v.size(); ++i) out.v[i] = num.v[i] / den.v[i];
    return out;
  }

 private:
  static Plane& slot(std::vector<Plane>& s, std::int64_t z) { return s[static_cast<std::size_t>(z) % s.size()]; }
  static const Plane& slot(const std::vector<Plane>& s, std::int64_t z) {
    return s[static_cast<std::size_t>(z) % s.size()];
  }
  int k_;
  std::vector<Plane> num_, den_;
  std::vector<double> window_;
};

// One step over the volume, reference slice by reference slice. The reference rows of a slice are
// filtered in parallel, filter_row(z, ry, out), and aggregated one after another in row order (a
// pipeline whose last stage is serial and in order), so the sums, and the result to the bit, are
// those of a sequential run, whatever the number of threads.
template <class FilterRow>
Volume run_step(const Volume& img, int radius, const Bm3dStep& s, double beta, FilterRow&& filter_row) {
  const std::int64_t nx = img[0].nx, ny = img[0].ny, nz = static_cast<std::int64_t>(img.size());
  Aggregator agg(nx, ny, nz, radius, s.patch, beta);
  const std::vector<std::int64_t> rows = reference_positions(ny, s.patch, s.stride);
  const std::size_t tokens = 2 * static_cast<std::size_t>(std::max(1, tbb::this_task_arena::max_concurrency()));
  std::vector<FilteredRow> pool(tokens);  // item i uses pool[i % tokens]: item i has left before i + tokens enters
  Volume out(static_cast<std::size_t>(nz));
  for (std::int64_t z = 0; z < std::min<std::int64_t>(radius, nz); ++z) agg.start(z);
  for (std::int64_t z = 0; z < nz; ++z) {
    if (z + radius < nz) agg.start(z + radius);
    std::size_t next = 0;
    tbb::parallel_pipeline(
        tokens,
        tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order,
                                            [&](tbb::flow_control& fc) -> std::size_t {
                                              if (next == rows.size()) fc.stop();
                                              return next++;
                                            }) &
            tbb::make_filter<std::size_t, std::size_t>(tbb::filter_mode::parallel,
                                                       [&](std::size_t i) {
                                                         FilteredRow& row = pool[i % tokens];
                                                         row.clear();
                                                         filter_row(z, rows[i], row);
                                                         return i;
                                                       }) &
            tbb::make_filter<std::size_t, void>(tbb::filter_mode::serial_in_order,
                                                [&](std::size_t i) { agg.add(pool[i % tokens]); }));
    if (z - radius >= 0) out[static_cast<std::size_t>(z - radius)] = agg.result(z - radius);
  }
  for (std::int64_t z = std::max<std::int64_t>(0, nz - radius); z < nz; ++z)
    out[static_cast<std::size_t>(z)] = agg.result(z);
  return out;
}

// Step 1: groups matched on the noisy volume, hard thresholding of their 3-D spectra.
Volume basic_estimate(const Volume& noisy, double sigma, const Bm3dOptions& o, int radius) {
  const Bm3dStep& s = o.hard;
  const int k = s.patch, kk = k * k;
  const std::int64_t nz = static_cast<std::int64_t>(noisy.size());
  const Dct dct(k);
  const double threshold = o.lambda3d * sigma;
  const std::vector<std::int64_t> columns = reference_positions(noisy[0].nx, k, s.stride);
  return run_step(
      noisy, radius, s, o.kaiser_beta, [&](std::int64_t z, std::int64_t ry, FilteredRow& out) {
        const std::vector<std::int64_t> zs = search_slices(z, nz, radius);
        std::vector<Match> m;
        std::vector<double> group, block(static_cast<std::size_t>(kk)), tmp(block.size());
        for (std::int64_t rx : columns) {
          match_block(noisy, zs, rx, ry, s, m);
          const int n = static_cast<int>(m.size());
          group.resize(static_cast<std::size_t>(n * kk));
          for (int g = 0; g < n; ++g) {
            const Match& mg = m[static_cast<std::size_t>(g)];
            patch_spectrum(noisy[static_cast<std::size_t>(mg.z)], mg.x, mg.y, dct,
                           &group[static_cast<std::size_t>(g * kk)], block.data(), tmp.data());
          }
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
            const Match& mg = m[static_cast<std::size_t>(g)];
            dct.inverse(&group[static_cast<std::size_t>(g * kk)], out.add(mg.x, mg.y, mg.z, weight, kk), tmp.data());
          }
        }
      });
}

// Step 2: groups matched on the basic estimate, empirical Wiener shrinkage of the noisy spectra.
Volume final_estimate(const Volume& noisy, const Volume& basic, double sigma, const Bm3dOptions& o, int radius) {
  const Bm3dStep& s = o.wiener;
  const int k = s.patch, kk = k * k;
  const std::int64_t nz = static_cast<std::int64_t>(noisy.size());
  const Dct dct(k);
  const double var = sigma * sigma;
  const std::vector<std::int64_t> columns = reference_positions(noisy[0].nx, k, s.stride);
  return run_step(
      noisy, radius, s, o.kaiser_beta, [&](std::int64_t z, std::int64_t ry, FilteredRow& out) {
        const std::vector<std::int64_t> zs = search_slices(z, nz, radius);
        std::vector<Match> m;
        std::vector<double> gn, gb, block(static_cast<std::size_t>(kk)), tmp(block.size());
        for (std::int64_t rx : columns) {
          match_block(basic, zs, rx, ry, s, m);
          const int n = static_cast<int>(m.size());
          gn.resize(static_cast<std::size_t>(n * kk));
          gb.resize(gn.size());
          for (int g = 0; g < n; ++g) {
            const Match& mg = m[static_cast<std::size_t>(g)];
            const std::size_t zi = static_cast<std::size_t>(mg.z);
            patch_spectrum(noisy[zi], mg.x, mg.y, dct, &gn[static_cast<std::size_t>(g * kk)], block.data(), tmp.data());
            patch_spectrum(basic[zi], mg.x, mg.y, dct, &gb[static_cast<std::size_t>(g * kk)], block.data(), tmp.data());
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
            const Match& mg = m[static_cast<std::size_t>(g)];
            dct.inverse(&gn[static_cast<std::size_t>(g * kk)], out.add(mg.x, mg.y, mg.z, weight, kk), tmp.data());
          }
        }
      });
}

// The shared implementation of bm3d (one slice) and bm3d_volume.
Volume bm3d_slices(std::span<const Plane> f, const Bm3dOptions& o, int radius, const char* what) {
  if (radius < 0)
    throw std::invalid_argument(std::string(what) + ": slice_radius must be >= 0, got " + std::to_string(radius));
  if (f.empty()) return {};
  radius = static_cast<int>(std::min<std::int64_t>(radius, static_cast<std::int64_t>(f.size()) - 1));
  const int k = std::max(o.hard.patch, o.wiener.patch);
  const std::int64_t nx = f[0].nx, ny = f[0].ny;
  if (nx < k || ny < k)
    throw std::invalid_argument(std::string(what) + " needs a slice of at least " + std::to_string(k) + "x" +
                                std::to_string(k) + " pixels, got " + std::to_string(nx) + "x" + std::to_string(ny));
  for (std::size_t z = 0; z < f.size(); ++z)
    if (f[z].nx != nx || f[z].ny != ny || f[z].v.size() != static_cast<std::size_t>(nx * ny))
      throw std::invalid_argument(std::string(what) + ": slice " + std::to_string(z) + " is " + std::to_string(f[z].nx) +
                                  "x" + std::to_string(f[z].ny) + ", slice 0 is " + std::to_string(nx) + "x" +
                                  std::to_string(ny));
  if (!(o.sigma > 0)) return Volume(f.begin(), f.end());
  // The matching thresholds are Lebrun's, for intensities on 0–255: map the volume there (with one
  // offset and scale, so that patches of different slices compare) and back.
  double lo = f[0].v[0], hi = lo;
  for (const Plane& p : f) {
    const auto [lo_it, hi_it] = std::minmax_element(p.v.begin(), p.v.end());
    lo = std::min(lo, *lo_it);
    hi = std::max(hi, *hi_it);
  }
  const double span = o.range > 0 ? o.range : hi - lo;
  const double scale = span > 0 ? 255.0 / span : 1.0;
  Volume g(f.size());
  for (std::size_t z = 0; z < f.size(); ++z) {
    g[z] = Plane(nx, ny);
    for (std::size_t i = 0; i < g[z].v.size(); ++i) g[z].v[i] = (f[z].v[i] - lo) * scale;
  }
  const double sigma = o.sigma * scale;
  Volume u = basic_estimate(g, sigma, o, radius);
  if (o.wiener_step) u = final_estimate(g, u, sigma, o, radius);
  for (Plane& p : u)
    for (double& v : p.v) v = v / scale + lo;
  return u;
}

}  // namespace

Plane bm3d(const Plane& f, const Bm3dOptions& o) {
  Volume u = bm3d_slices(std::span<const Plane>(&f, 1), o, 0, "bm3d");
  return std::move(u.front());
}

std::vector<Plane> bm3d_volume(const std::vector<Plane>& slices, const Bm3dOptions& o, int slice_radius) {
  return bm3d_slices(slices, o, slice_radius, "bm3d_volume");
}

}  // namespace mirflow::classic
