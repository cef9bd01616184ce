#include "wavelet_transform.hpp"

#include <cmath>
#include <stdexcept>

namespace mirflow::classic {

const Wavelet& wavelet_by_name(const std::string& name) {
  static const double r = std::sqrt(0.5);
  static const Wavelet haar{"haar", {r, r}, {-r, r}, {r, r}, {r, -r}};
  // Daubechies' 4-tap scaling filter h = (1+√3, 3+√3, 3−√3, 1−√3) / (4√2), in pywt's order.
  static const Wavelet db2 = [] {
    const double s3 = std::sqrt(3.0), k = 4.0 * std::sqrt(2.0);
    const std::vector<double> h{(1 + s3) / k, (3 + s3) / k, (3 - s3) / k, (1 - s3) / k};
    Wavelet w;
    w.name = "db2";
    w.rec_lo = h;
    w.dec_lo = {h[3], h[2], h[1], h[0]};
    w.rec_hi = {h[3], -h[2], h[1], -h[0]};
    w.dec_hi = {-h[0], h[1], -h[2], h[3]};
    return w;
  }();
  if (name == "haar" || name == "db1") return haar;
  if (name == "db2") return db2;
  throw std::invalid_argument("unknown wavelet '" + name + "' (expected haar, db1 or db2)");
}

int dwt_max_level(std::int64_t n, const Wavelet& w) {
  const auto taps = static_cast<std::int64_t>(w.dec_lo.size());
  if (n < taps - 1) return 0;
  return static_cast<int>(std::floor(std::log2(static_cast<double>(n) / static_cast<double>(taps - 1))));
}

// Index into [0, n) under half-sample symmetric extension (pywt mode 'symmetric').
static std::int64_t symmetric(std::int64_t i, std::int64_t n) {
  const std::int64_t period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

// pywt's downsampling convolution: out[o] = Σ_j f[j] · x[2o + 1 − j], x extended symmetrically.
static void analyse(const std::vector<double>& x, const std::vector<double>& f, std::vector<double>& out) {
  const auto n = static_cast<std::int64_t>(x.size()), taps = static_cast<std::int64_t>(f.size());
  out.assign(static_cast<std::size_t>((n + taps - 1) / 2), 0.0);
  for (std::size_t o = 0; o < out.size(); ++o) {
    double acc = 0;
    for (std::int64_t j = 0; j < taps; ++j)
      acc += f[static_cast<std::size_t>(j)] * x[static_cast<std::size_t>(symmetric(2 * static_cast<std::int64_t>(o) + 1 - j, n))];
    out[o] = acc;
  }
}

// pywt's idwt: the 'valid' part of the upsampled convolutions, 2n − taps + 2 samples.
static void synthesise(const std::vector<double>& a, const std::vector<double>& d, const Wavelet& w,
                       std::vector<double>& out) {
  const auto n = static_cast<std::int64_t>(a.size()), taps = static_cast<std::int64_t>(w.rec_lo.size());
  out.assign(static_cast<std::size_t>(2 * n - taps + 2), 0.0);
  for (std::int64_t m = 0; m < static_cast<std::int64_t>(out.size()); ++m) {
    double acc = 0;
    const std::int64_t shifted = m + taps - 2;
    // taps of the same parity as `shifted`, so that (shifted − j) / 2 is an input index
    for (std::int64_t j = shifted % 2; j < taps; j += 2) {
      const std::int64_t k = (shifted - j) / 2;
      if (k < 0 || k >= n) continue;
      acc += a[static_cast<std::size_t>(k)] * w.rec_lo[static_cast<std::size_t>(j)] +
             d[static_cast<std::size_t>(k)] * w.rec_hi[static_cast<std::size_t>(j)];
    }
    out[static_cast<std::size_t>(m)] = acc;
  }
}

// Splits every row (axis 1, x) into low and high halves.
static void analyse_x(const Plane& in, const Wavelet& w, Plane& lo, Plane& hi) {
  std::vector<double> line(static_cast<std::size_t>(in.nx)), l, h;
  for (std::int64_t y = 0; y < in.ny; ++y) {
    for (std::int64_t x = 0; x < in.nx; ++x) line[static_cast<std::size_t>(x)] = in(x, y);
    analyse(line, w.dec_lo, l);
    analyse(line, w.dec_hi, h);
    if (y == 0) lo = hi = Plane(static_cast<std::int64_t>(l.size()), in.ny);
    for (std::size_t x = 0; x < l.size(); ++x) {
      lo(static_cast<std::int64_t>(x), y) = l[x];
      hi(static_cast<std::int64_t>(x), y) = h[x];
    }
  }
}

// Splits every column (axis 0, y) into low and high halves.
static void analyse_y(const Plane& in, const Wavelet& w, Plane& lo, Plane& hi) {
  std::vector<double> line(static_cast<std::size_t>(in.ny)), l, h;
  for (std::int64_t x = 0; x < in.nx; ++x) {
    for (std::int64_t y = 0; y < in.ny; ++y) line[static_cast<std::size_t>(y)] = in(x, y);
    analyse(line, w.dec_lo, l);
    analyse(line, w.dec_hi, h);
    if (x == 0) lo = hi = Plane(in.nx, static_cast<std::int64_t>(l.size()));
    for (std::size_t y = 0; y < l.size(); ++y) {
      lo(x, static_cast<std::int64_t>(y)) = l[y];
      hi(x, static_cast<std::int64_t>(y)) = h[y];
    }
  }
}

Decomposition dwt2(const Plane& in, const Wavelet& w) {
  if (in.nx < 1 || in.ny < 1) throw std::invalid_argument("dwt2 of an empty image");
  Plane xl, xh;
  analyse_x(in, w, xl, xh);
  Decomposition d;
  d.details.resize(1);
  analyse_y(xl, w, d.approx, d.details[0].da);  // low in x: 'aa' and 'da'
  analyse_y(xh, w, d.details[0].ad, d.details[0].dd);
  return d;
}

Decomposition wavedec2(const Plane& in, const Wavelet& w, int levels) {
  if (levels < 1) throw std::invalid_argument("wavedec2 needs at least one level");
  Decomposition out;
  out.approx = in;
  for (int l = 0; l < levels; ++l) {
    Decomposition one = dwt2(out.approx, w);
    out.approx = std::move(one.approx);
    out.details.insert(out.details.begin(), std::move(one.details[0]));
  }
  return out;
}

// Inverse along y of two planes of equal shape.
static Plane synthesise_y(const Plane& lo, const Plane& hi, const Wavelet& w) {
  std::vector<double> l(static_cast<std::size_t>(lo.ny)), h(l.size()), o;
  Plane out;
  for (std::int64_t x = 0; x < lo.nx; ++x) {
    for (std::int64_t y = 0; y < lo.ny; ++y) {
      l[static_cast<std::size_t>(y)] = lo(x, y);
      h[static_cast<std::size_t>(y)] = hi(x, y);
    }
    synthesise(l, h, w, o);
    if (x == 0) out = Plane(lo.nx, static_cast<std::int64_t>(o.size()));
    for (std::size_t y = 0; y < o.size(); ++y) out(x, static_cast<std::int64_t>(y)) = o[y];
  }
  return out;
}

static Plane synthesise_x(const Plane& lo, const Plane& hi, const Wavelet& w) {
  std::vector<double> l(static_cast<std::size_t>(lo.nx)), h(l.size()), o;
  Plane out;
  for (std::int64_t y = 0; y < lo.ny; ++y) {
    for (std::int64_t x = 0; x < lo.nx; ++x) {
      l[static_cast<std::size_t>(x)] = lo(x, y);
      h[static_cast<std::size_t>(x)] = hi(x, y);
    }
    synthesise(l, h, w, o);
    if (y == 0) out = Plane(static_cast<std::int64_t>(o.size()), lo.ny);
    for (std::size_t x = 0; x < o.size(); ++x) out(static_cast<std::int64_t>(x), y) = o[x];
  }
  return out;
}

static Plane crop(const Plane& p, std::int64_t nx, std::int64_t ny) {
  if (p.nx == nx && p.ny == ny) return p;
  Plane out(nx, ny);
  for (std::int64_t y = 0; y < ny; ++y)
    for (std::int64_t x = 0; x < nx; ++x) out(x, y) = p(x, y);
  return out;
}

Plane waverec2(const Decomposition& d, const Wavelet& w, std::int64_t nx, std::int64_t ny) {
  Plane a = d.approx;
  for (const DetailBands& b : d.details) {
    a = crop(a, b.dd.nx, b.dd.ny);  // pywt trims the approximation to the details' shape
    const Plane low_x = synthesise_y(a, b.da, w);
    const Plane high_x = synthesise_y(b.ad, b.dd, w);
    a = synthesise_x(low_x, high_x, w);
  }
  return crop(a, nx, ny);
}

}  // namespace mirflow::classic
