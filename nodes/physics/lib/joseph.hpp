#pragma once
// Joseph's method: the (pixel, weight) pairs of a ray's line integral. Private to the library.
// The forward projector gathers over them and the adjoint scatters over the very same pairs
// (same setup, same arithmetic), which is what makes the adjoint exact. The CUDA projector of
// gpu/ walks its rays with these same functions (MIRFLOW_HOST_DEVICE), one thread per ray.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include <mirflow/host_device.hpp>

#include "mirflow_physics/projector.hpp"

namespace mirflow::physics::detail {

struct Grid {
  std::int64_t nx, ny;
  double dx, dy;  // pixel size (mm)
  double x0, y0;  // position of pixel (0, 0) (mm)
  Grid() = default;
  explicit Grid(const Space& s) : nx(s.nx), ny(s.ny), dx(s.spacing[0]), dy(s.spacing[1]), x0(s.origin[0]), y0(s.origin[1]) {}
};

// One ray, ready to step. The ray is stepped along rows when it runs more along y than along x
// in pixel units (dy·|ux| ≤ dx·|uy|), else along columns. At step t (row or column t) it crosses
// the other axis at the fractional pixel index c = a + b·t (evaluated directly, never
// accumulated), where the image is interpolated linearly between pixels floor(c) and
// floor(c) + 1 (those outside count as 0), with weight w = ray length per step (dy/|uy| or dx/|ux|).
// Steps outside [t0, t1] touch no pixel.
struct Walk {
  bool rows;
  double a, b, w;
  std::int64_t t0, t1;
};

MIRFLOW_HOST_DEVICE inline Walk joseph_setup(const Grid& g, const Ray& r) {
  const double ax = std::abs(r.ux), ay = std::abs(r.uy);
  Walk k;
  k.rows = g.dy * ax <= g.dx * ay;
  const bool rows = k.rows;
  // Driving axis: `m` steps of size `hm` from `m0`; interpolated axis: `n` pixels of `hn` from `n0`.
  const std::int64_t m = rows ? g.ny : g.nx, n = rows ? g.nx : g.ny;
  const double hm = rows ? g.dy : g.dx, hn = rows ? g.dx : g.dy;
  const double m0 = rows ? g.y0 : g.x0, n0 = rows ? g.x0 : g.y0;
  const double pm = rows ? r.py : r.px, pn = rows ? r.px : r.py;
  const double um = rows ? r.uy : r.ux, un = rows ? r.ux : r.uy;
  // Crossing of step t: position pn + (m0 + t·hm − pm)·un/um on the other axis.
  const double slope = un / um;
  k.a = (pn + (m0 - pm) * slope - n0) / hn;
  k.b = hm * slope / hn;  // |b| ≤ 1
  k.w = hm / std::abs(um);
  k.t0 = 0, k.t1 = m - 1;
  if (k.b != 0.0) {
    // Keep the steps whose crossing lies in (−1, n).
    double lo = (-1.0 - k.a) / k.b, hi = (double(n) - k.a) / k.b;
    if (lo > hi) std::swap(lo, hi);
    k.t0 = std::max<std::int64_t>(k.t0, static_cast<std::int64_t>(std::floor(std::max(lo, -1.0))));
    k.t1 = std::min<std::int64_t>(k.t1, static_cast<std::int64_t>(std::ceil(std::min(hi, double(m)))));
  } else if (!(k.a > -1.0 && k.a < double(n))) {
    k.t0 = 0, k.t1 = -1;
  }
  return k;
}

// Step t of a walk over a line of `n` pixels `line[0 … n−1]` (the row, or the column of the
// transposed image): calls f(i, weight) for the one or two pixels it touches.
template <class F> MIRFLOW_HOST_DEVICE inline void joseph_step(const Walk& k, std::int64_t t, std::int64_t n, F&& f) {
  const double c = k.a + k.b * double(t);
  if (!(c > -1.0 && c < double(n))) return;
  // floor(c) for c > −1 without a libm call (baseline x86-64 has no roundsd).
  std::int64_t i = static_cast<std::int64_t>(c + 1.0) - 1;
  // c + 1.0 can round up to the next integer when c is just below one (e.g. just below n):
  // step back so that i <= c always, and never touch a pixel outside the line.
  if (double(i) > c) --i;
  const double fr = c - double(i);
  if (i >= 0 && i < n) f(i, k.w * (1.0 - fr));
  if (i + 1 < n) f(i + 1, k.w * fr);
}

// The steps of k (within [t0, t1]) whose crossing lies in [0, n − 1): both pixels are on the
// line and floor(c) is a plain truncation, so a loop over them needs no tests. joseph_step gives
// those steps the same pixels and weights (floor(c) is exact either way). Empty when lo > hi.
struct Interior {
  std::int64_t lo, hi;
};
inline Interior joseph_interior(const Walk& k, std::int64_t n) {
  auto inside = [&](std::int64_t t) {
    const double c = k.a + k.b * double(t);
    return c >= 0.0 && c < double(n - 1);
  };
  Interior r{k.t0, k.t1};
  if (k.b != 0.0) {
    // Candidate from the real line, then moved until its ends are inside: c is monotone in t
    // (also after rounding), so every step between two inside steps is inside.
    double lo = (0.0 - k.a) / k.b, hi = (double(n - 1) - k.a) / k.b;
    if (lo > hi) std::swap(lo, hi);
    r.lo = std::max<std::int64_t>(r.lo, static_cast<std::int64_t>(std::ceil(std::max(lo, double(k.t0) - 1.0))));
    r.hi = std::min<std::int64_t>(r.hi, static_cast<std::int64_t>(std::floor(std::min(hi, double(k.t1) + 1.0))));
  }
  while (r.lo <= r.hi && !inside(r.lo)) ++r.lo;
  while (r.hi >= r.lo && !inside(r.hi)) --r.hi;
  return r;
}

// Step t of a walk known to be interior: the first pixel i and the fraction fr, so that the
// weights joseph_step gives are w·(1 − fr) on i and w·fr on i + 1.
inline void joseph_interior_step(const Walk& k, std::int64_t t, std::int64_t& i, double& fr) {
  const double c = k.a + k.b * double(t);
  i = static_cast<std::int64_t>(c);
  fr = c - double(i);
}

// Calls f(index, weight) with index = j·nx + i into the image, for every pixel the ray touches.
template <class F> MIRFLOW_HOST_DEVICE inline void joseph_walk(const Grid& g, const Ray& r, F&& f) {
  const Walk k = joseph_setup(g, r);
  const std::int64_t n = k.rows ? g.nx : g.ny;
  for (std::int64_t t = k.t0; t <= k.t1; ++t)
    joseph_step(k, t, n, [&](std::int64_t i, double w) { f(k.rows ? t * g.nx + i : i * g.nx + t, w); });
}

}  // namespace mirflow::physics::detail
