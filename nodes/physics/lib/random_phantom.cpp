#include "mirflow_physics/random_phantom.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include <tbb/parallel_for.h>

namespace mirflow::physics {

namespace {

// splitmix64: a small, portable generator (std:: distributions differ between standard
// libraries; phantoms must be the same bytes everywhere).
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t index) : s_(mix(mix(seed) ^ (index + 0x632be59bd9b4e019ULL))) {}
  std::uint64_t next() { return mix(s_ += 0x9e3779b97f4a7c15ULL); }
  double uniform(double lo = 0, double hi = 1) { return lo + (hi - lo) * double(next() >> 11) * 0x1.0p-53; }
  int integer(int lo, int hi) { return lo + static_cast<int>(uniform() * double(hi - lo + 1)); }  // [lo, hi]
  double normal() {  // Box–Muller
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t s_;
};

// An ellipse in the head's unit frame, optionally with a wavy boundary ρ ≤ 1 + Σ a_k cos(kθ + φ_k).
struct Shape {
  double x0 = 0, y0 = 0, a = 1, b = 1, c = 1, s = 0;
  double wave_a[3] = {0, 0, 0}, wave_phase[3] = {0, 0, 0};
  bool inside(double x, double y) const {
    const double xr = ((x - x0) * c + (y - y0) * s) / a;
    const double yr = (-(x - x0) * s + (y - y0) * c) / b;
    const double rho2 = xr * xr + yr * yr;
    if (wave_a[0] == 0 && wave_a[1] == 0 && wave_a[2] == 0) return rho2 <= 1.0;
    const double th = std::atan2(yr, xr);
    double edge = 1.0;
    for (int k = 0; k < 3; ++k) edge += wave_a[k] * std::cos((k + 2) * th + wave_phase[k]);
    return rho2 <= edge * edge;
  }
};

Shape ellipse(double x0, double y0, double a, double b, double phi_rad) {
  Shape e;
  e.x0 = x0, e.y0 = y0, e.a = a, e.b = b, e.c = std::cos(phi_rad), e.s = std::sin(phi_rad);
  return e;
}

void make_wavy(Shape& e, Rng& rng, double amplitude) {
  for (int k = 0; k < 3; ++k) {
    e.wave_a[k] = rng.uniform(0, amplitude);
    e.wave_phase[k] = rng.uniform(0, 2 * std::numbers::pi);
  }
}

// Smooth unit-variance texture: white noise, separable Gaussian of σ pixels (reflecting edges),
// divided by its empirical standard deviation and clipped to ±clip so tissue ranges stay bounded.
std::vector<double> texture(std::int64_t nx, std::int64_t ny, double sigma_x, double sigma_y, double clip, Rng& rng) {
  std::vector<double> a(static_cast<std::size_t>(nx * ny)), b(a.size());
  for (double& v : a) v = rng.normal();
  auto kernel = [](double sigma) {
    const int r = std::max(1, static_cast<int>(4 * sigma + 0.5));
    std::vector<double> k(static_cast<std::size_t>(2 * r + 1));
    double sum = 0;
    for (int t = -r; t <= r; ++t) sum += k[static_cast<std::size_t>(t + r)] = std::exp(-0.5 * t * t / (sigma * sigma));
    for (double& v : k) v /= sum;
    return k;
  };
  auto reflect = [](std::int64_t i, std::int64_t n) {
    while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - i - 1;
    return i;
  };
  const auto kx = kernel(sigma_x), ky = kernel(sigma_y);
  const auto rx = static_cast<std::int64_t>(kx.size() / 2), ry = static_cast<std::int64_t>(ky.size() / 2);
  for (std::int64_t j = 0; j < ny; ++j)
    for (std::int64_t i = 0; i < nx; ++i) {
      double acc = 0;
      for (std::int64_t t = -rx; t <= rx; ++t) acc += kx[static_cast<std::size_t>(t + rx)] * a[static_cast<std::size_t>(j * nx + reflect(i + t, nx))];
      b[static_cast<std::size_t>(j * nx + i)] = acc;
    }
  for (std::int64_t j = 0; j < ny; ++j)
    for (std::int64_t i = 0; i < nx; ++i) {
      double acc = 0;
      for (std::int64_t t = -ry; t <= ry; ++t) acc += ky[static_cast<std::size_t>(t + ry)] * b[static_cast<std::size_t>(reflect(j + t, ny) * nx + i)];
      a[static_cast<std::size_t>(j * nx + i)] = acc;
    }
  double sum2 = 0;
  for (double v : a) sum2 += v * v;
  const double sd = std::sqrt(sum2 / double(a.size()));
  for (double& v : a) v = std::clamp(v / (sd > 0 ? sd : 1.0), -clip, clip);
  return a;
}

}  // namespace

RandomPhantom random_head_phantom(std::int64_t nx, std::int64_t ny, double dx, double dy, std::uint64_t seed,
                                  std::uint64_t index, int oversample) {
  if (nx < 1 || ny < 1 || dx <= 0 || dy <= 0 || oversample < 1)
    throw std::invalid_argument("random_head_phantom: sizes, pixel sizes and oversampling must be positive");
  Rng rng(seed, index);
  const double deg = std::numbers::pi / 180.0;
  const double half = 0.5 * std::min(double(nx) * dx, double(ny) * dy);  // mm of the unit length

  // The head: skull outer and inner boundaries, a CSF rim, the brain, white matter; all share the
  // head's centre and tilt. Sizes are in units of `half`.
  const double size = rng.uniform(0.80, 0.95);
  const double cx = rng.uniform(-0.03, 0.03), cy = rng.uniform(-0.03, 0.03), tilt = rng.uniform(-10, 10) * deg;
  const double head_a = size * rng.uniform(0.74, 0.82), head_b = size * rng.uniform(0.94, 1.0);
  const double skull = rng.uniform(0.025, 0.07), rim = rng.uniform(0.008, 0.02);
  Shape outer = ellipse(cx, cy, head_a, head_b, tilt);
  make_wavy(outer, rng, 0.012);
  Shape inner = ellipse(cx, cy, head_a - skull, head_b - skull, tilt);
  make_wavy(inner, rng, 0.012);
  Shape brain = ellipse(cx, cy, head_a - skull - rim, head_b - skull - rim, tilt);
  brain.wave_a[0] = inner.wave_a[0], brain.wave_a[1] = inner.wave_a[1], brain.wave_a[2] = inner.wave_a[2];
  brain.wave_phase[0] = inner.wave_phase[0], brain.wave_phase[1] = inner.wave_phase[1], brain.wave_phase[2] = inner.wave_phase[2];
  const double wm = rng.uniform(0.55, 0.72);
  Shape white = ellipse(cx, cy + rng.uniform(-0.03, 0.03), brain.a * wm, brain.b * wm * rng.uniform(0.85, 1.0), tilt);
  make_wavy(white, rng, 0.06);

  // Points given in the head frame (x right, y up, before tilt) → unit frame.
  const double tc = std::cos(tilt), ts = std::sin(tilt);
  auto head_point = [&](double u, double v) { return std::pair{cx + u * tc - v * ts, cy + u * ts + v * tc}; };

  // Ventricles: a mirrored pair, sometimes a small third one on the midline.
  std::vector<Shape> ventricles;
  {
    const double off = rng.uniform(0.05, 0.11), v0 = rng.uniform(-0.05, 0.10);
    const double va = rng.uniform(0.03, 0.07), vb = rng.uniform(0.10, 0.20), vt = rng.uniform(5, 25) * deg;
    for (int side : {-1, 1}) {
      const auto [x, y] = head_point(side * off, v0);
      ventricles.push_back(ellipse(x, y, va * size, vb * size, tilt - side * vt));
    }
    if (rng.uniform() < 0.5) {
      const auto [x, y] = head_point(0, rng.uniform(-0.18, -0.08));
      ventricles.push_back(ellipse(x, y, 0.015 * size, rng.uniform(0.04, 0.07) * size, tilt));
    }
  }
  // A random point well inside the brain (head frame, scaled into the inner ellipse).
  auto brain_point = [&](double fraction) {
    double u, v;
    do {
      u = rng.uniform(-1, 1), v = rng.uniform(-1, 1);
    } while (u * u + v * v > 1);
    return head_point(u * brain.a * fraction, v * brain.b * fraction);
  };
  struct Insert {
    Shape shape;
    double value;  // lesion: HU offset from the brain; calcification: HU
  };
  std::vector<Insert> lesions, calcifications;
  for (int k = rng.integer(1, 4); k > 0; --k) {
    const auto [x, y] = brain_point(0.75);
    const double delta = (rng.uniform() < 0.5 ? -1 : 1) * rng.uniform(5, 30);
    lesions.push_back({ellipse(x, y, rng.uniform(0.02, 0.08), rng.uniform(0.02, 0.08), rng.uniform(0, 180) * deg), delta});
  }
  for (int k = rng.integer(0, 3); k > 0; --k) {
    const auto [x, y] = brain_point(0.8);
    const double r = rng.uniform(0.006, 0.015);
    calcifications.push_back({ellipse(x, y, r, r, 0), rng.uniform(150, 600)});
  }

  // Tissue base values (HU) and texture amplitudes: base ± amplitude·2.5 stays in each range.
  const double bone_hu = rng.uniform(900, 1400), bone_tex = rng.uniform(15, 30);
  const double csf_hu = rng.uniform(5, 10), csf_tex = rng.uniform(0.8, 1.5);
  const double grey_hu = rng.uniform(33, 38), white_hu = grey_hu - rng.uniform(4, 8), brain_tex = rng.uniform(1.2, 2.0);
  constexpr double kClip = 2.5;
  const double tex_mm = rng.uniform(2.0, 4.0);  // correlation length of the texture
  const std::vector<double> soft = texture(nx, ny, tex_mm / dx, tex_mm / dy, kClip, rng);
  const std::vector<double> hard = texture(nx, ny, tex_mm / dx, tex_mm / dy, kClip, rng);

  auto classify = [&](double x, double y, double& hu, std::size_t pixel) -> HeadTissue {
    if (!outer.inside(x, y)) {
      hu = -1000;
      return HeadTissue::Air;
    }
    if (!inner.inside(x, y)) {
      hu = bone_hu + bone_tex * hard[pixel];
      return HeadTissue::Bone;
    }
    const double csf = csf_hu + csf_tex * soft[pixel];
    if (!brain.inside(x, y)) {
      hu = csf;
      return HeadTissue::Csf;
    }
    for (const Shape& v : ventricles)
      if (v.inside(x, y)) {
        hu = csf;
        return HeadTissue::Csf;
      }
    for (const Insert& c : calcifications)
      if (c.shape.inside(x, y)) {
        hu = c.value;
        return HeadTissue::Calcification;
      }
    const double tissue = (white.inside(x, y) ? white_hu : grey_hu) + brain_tex * soft[pixel];
    for (const Insert& l : lesions)
      if (l.shape.inside(x, y)) {
        hu = tissue + l.value;
        return HeadTissue::Lesion;
      }
    hu = tissue;
    return HeadTissue::Brain;
  };

  RandomPhantom out{Image::allocate2d(DType::F32, nx, ny), Image::allocate2d(DType::U8, nx, ny)};
  for (Image* im : {&out.hu, &out.labels}) {
    im->geometry().spacing = {dx, dy, 1.0};
    im->geometry().origin = {-0.5 * double(nx - 1) * dx, -0.5 * double(ny - 1) * dy, 0.0};
  }
  float* hu = out.hu.data<float>();
  std::uint8_t* label = out.labels.data<std::uint8_t>();
  const int o = oversample;
  tbb::parallel_for(std::int64_t(0), ny, [&](std::int64_t j) {
    for (std::int64_t i = 0; i < nx; ++i) {
      const auto pixel = static_cast<std::size_t>(j * nx + i);
      // Row 0 is the top of the head: unit y points the other way from the row index.
      auto unit = [&](double fi, double fj) {
        return std::pair{(fi - 0.5 * double(nx - 1)) * dx / half, -(fj - 0.5 * double(ny - 1)) * dy / half};
      };
      double acc = 0, v = 0;
      for (int sj = 0; sj < o; ++sj)
        for (int si = 0; si < o; ++si) {
          const auto [x, y] = unit(double(i) + (si + 0.5) / o - 0.5, double(j) + (sj + 0.5) / o - 0.5);
          classify(x, y, v, pixel);
          acc += v;
        }
      hu[pixel] = static_cast<float>(acc / (o * o));
      const auto [x, y] = unit(double(i), double(j));
      label[pixel] = static_cast<std::uint8_t>(classify(x, y, v, pixel));
    }
  });
  return out;
}

}  // namespace mirflow::physics
