#include "mirflow_physics/projector.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "joseph.hpp"
#include "mirflow_physics/device_kernels.hpp"
#include "mirflow_physics/fan_beam.hpp"
#include "mirflow_physics/parallel_beam.hpp"

namespace mirflow::physics {

namespace {

// out (ny×nx, x fastest) → transposed (nx×ny, y fastest), in cache-sized blocks.
void transpose(const float* in, float* out, std::int64_t nx, std::int64_t ny) {
  constexpr std::int64_t B = 32;
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, (ny + B - 1) / B), [&](const tbb::blocked_range<std::int64_t>& r) {
    for (std::int64_t jb = r.begin() * B; jb < std::min(ny, r.end() * B); jb += B)
      for (std::int64_t ib = 0; ib < nx; ib += B)
        for (std::int64_t j = jb; j < std::min(ny, jb + B); ++j)
          for (std::int64_t i = ib; i < std::min(nx, ib + B); ++i) out[i * ny + j] = in[j * nx + i];
  });
}

// The rays of one view, set up and split by driving axis. Row-driven rays read row t of the
// image at step t; column-driven rays read column t, which is row t of the transposed image:
// either way a step reads one contiguous line, and all rays of the view take step t together,
// so that line stays in cache.
struct ViewWalks {
  std::vector<detail::Walk> walk;
  std::vector<detail::Interior> inner;  // per bin, see detail::joseph_interior
  std::vector<std::int64_t> group[2];  // bins of row-driven [0] and column-driven [1] rays
  std::int64_t tmin[2], tmax[2];

  ViewWalks(const RayProjector& p, const detail::Grid& g, std::int64_t v, std::int64_t bins) : walk(std::size_t(bins)), inner(std::size_t(bins)) {
    tmin[0] = tmin[1] = INT64_MAX;
    tmax[0] = tmax[1] = -1;
    for (std::int64_t k = 0; k < bins; ++k) {
      const detail::Walk w = detail::joseph_setup(g, p.ray(v, k));
      walk[std::size_t(k)] = w;
      if (w.t0 > w.t1) continue;
      const int s = w.rows ? 0 : 1;
      inner[std::size_t(k)] = detail::joseph_interior(w, w.rows ? g.nx : g.ny);
      group[s].push_back(k);
      tmin[s] = std::min(tmin[s], w.t0);
      tmax[s] = std::max(tmax[s], w.t1);
    }
  }

  // The steps are taken in blocks of kBlock lines: within a block each ray takes all its steps
  // before the next ray starts, so a ray's state and sum stay in registers while the block's
  // lines (kBlock × 2 KiB at 512 pixels) stay in the L1 cache. The order is fixed, so the
  // results do not depend on the number of threads.
  static constexpr std::int64_t kBlock = 16;

  // Steps lo … hi of ray k: the interior ones through `fast(t, i, fr)` (weights w·(1 − fr) on
  // pixel i and w·fr on i + 1, w the walk's), the others (near the image's edges) through
  // joseph_step and `edge(t, i, weight)`. Steps in increasing order.
  template <class Fast, class Edge>
  void steps(std::int64_t k, std::int64_t lo, std::int64_t hi, std::int64_t n, Fast&& fast, Edge&& edge) const {
    const detail::Walk& w = walk[std::size_t(k)];
    const detail::Interior& in = inner[std::size_t(k)];
    const std::int64_t a = std::max(lo, in.lo), b = std::min(hi, in.hi);
    if (a > b) {
      for (std::int64_t t = lo; t <= hi; ++t) detail::joseph_step(w, t, n, [&](std::int64_t i, double wt) { edge(t, i, wt); });
      return;
    }
    for (std::int64_t t = lo; t < a; ++t) detail::joseph_step(w, t, n, [&](std::int64_t i, double wt) { edge(t, i, wt); });
    for (std::int64_t t = a; t <= b; ++t) {
      std::int64_t i;
      double fr;
      detail::joseph_interior_step(w, t, i, fr);
      fast(t, i, fr);
    }
    for (std::int64_t t = b + 1; t <= hi; ++t) detail::joseph_step(w, t, n, [&](std::int64_t i, double wt) { edge(t, i, wt); });
  }

  // Σ over the pairs of ray k: weight · line[t][i], for every ray of group s, added to acc[k].
  void gather(int s, std::int64_t n, const float* lines, std::int64_t stride, double* acc) const {
    for (std::int64_t tb = tmin[s]; tb <= tmax[s]; tb += kBlock)
      for (std::int64_t k : group[s]) {
        const detail::Walk& w = walk[std::size_t(k)];
        double sum = 0.0, inner = 0.0;  // inner: the interior steps' interpolated values, times w below
        steps(
            k, std::max(tb, w.t0), std::min(tb + kBlock - 1, w.t1), n,
            [&](std::int64_t t, std::int64_t i, double fr) {
              const float* line = lines + t * stride;
              const double x0 = line[i];
              inner += x0 + fr * (double(line[i + 1]) - x0);
            },
            [&](std::int64_t t, std::int64_t i, double wt) { sum += wt * double(lines[t * stride + i]); });
        acc[k] += sum + w.w * inner;
      }
  }

  // The transpose of gather: line[t][i] += weight · value[k] over the same pairs, same order.
  void scatter(int s, std::int64_t n, const float* value, float* lines, std::int64_t stride) const {
    for (std::int64_t tb = tmin[s]; tb <= tmax[s]; tb += kBlock)
      for (std::int64_t k : group[s]) {
        // A ray of value 0 adds nothing: a sparse sinogram (the projection of a point, as the
        // circulant preconditioner's probe makes) then costs only its nonzero rays.
        if (value[k] == 0.f) continue;
        const detail::Walk& w = walk[std::size_t(k)];
        const double v = double(value[k]), wv = w.w * v;
        steps(
            k, std::max(tb, w.t0), std::min(tb + kBlock - 1, w.t1), n,
            [&](std::int64_t t, std::int64_t i, double fr) {
              float* line = lines + t * stride;
              const double p = fr * wv;
              line[i] += static_cast<float>(wv - p);
              line[i + 1] += static_cast<float>(p);
            },
            [&](std::int64_t t, std::int64_t i, double wt) { lines[t * stride + i] += static_cast<float>(wt * v); });
      }
  }
};

}  // namespace

RayProjector::RayProjector(ProjectionGeometry geometry) : g_(std::move(geometry)) { g_.validate(); }

namespace {
JosephGridArgs grid_args(const Space& s) {
  const detail::Grid g(s);
  return {g.nx, g.ny, g.dx, g.dy, g.x0, g.y0};
}
}  // namespace

const double* RayProjector::device_rays() const {
  std::lock_guard<std::mutex> lock(device_rays_mutex_);
  if (device_rays_.empty()) {
    const std::int64_t nv = g_.views(), nb = g_.bins;
    std::vector<double> host(static_cast<std::size_t>(4 * nv * nb));
    for (std::int64_t v = 0; v < nv; ++v)
      for (std::int64_t k = 0; k < nb; ++k) {
        const Ray r = ray(v, k);
        double* q = host.data() + 4 * (v * nb + k);
        q[0] = r.px, q[1] = r.py, q[2] = r.ux, q[3] = r.uy;
      }
    Image table = Image::allocate(DType::F64, {4, nv * nb, 1}, 2, Device::CUDA);
    require_device_kernels(name().c_str()).upload(table.raw(), host.data(), host.size() * sizeof(double));
    device_rays_ = table;
  }
  return device_rays_.data<double>();
}

namespace {
// At most this many nonzero pixels make an image "sparse" for the forward projection.
constexpr std::size_t kSparsePixels = 16;

// The nonzero pixels of x (possibly none), or nothing when there are more than kSparsePixels.
std::optional<std::vector<std::int64_t>> sparse_pixels(const float* x, std::int64_t n) {
  std::vector<std::int64_t> nz;
  for (std::int64_t p = 0; p < n; ++p)
    if (x[p] != 0.f) {
      if (nz.size() == kSparsePixels) return std::nullopt;
      nz.push_back(p);
    }
  return nz;
}
}  // namespace

void RayProjector::apply_into(const Image& image, const Image& sinogram) const {
  if (on_device(sinogram)) {
    const DeviceKernels& k = require_device_kernels(name().c_str());
    k.joseph_forward(device_rays(), g_.views() * g_.bins, grid_args(domain()), image.data<float>(), sinogram.data<float>());
    return;
  }
  const detail::Grid grid(domain());
  const std::int64_t nx = grid.nx, ny = grid.ny, nb = g_.bins;
  const float* x = image.data<float>();
  // A sparse image (the circulant preconditioner probes with one pixel): each ray visits only
  // the steps at its nonzero pixels' row (or column), with joseph_step's weights: O(rays ·
  // pixels) instead of O(rays · steps). An all-zero image projects to zeros.
  if (const auto sparse = sparse_pixels(x, nx * ny)) {
    const std::vector<std::int64_t>& nz = *sparse;
    float* y = sinogram.data<float>();
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, g_.views()), [&](const tbb::blocked_range<std::int64_t>& r) {
      for (std::int64_t v = r.begin(); v < r.end(); ++v)
        for (std::int64_t k = 0; k < nb; ++k) {
          double acc = 0.0;
          if (!nz.empty()) {
            const detail::Walk w = detail::joseph_setup(grid, ray(v, k));
            for (const std::int64_t p : nz) {
              const std::int64_t px = p % nx, py = p / nx, t = w.rows ? py : px, at = w.rows ? px : py;
              if (t < w.t0 || t > w.t1) continue;
              detail::joseph_step(w, t, w.rows ? nx : ny, [&](std::int64_t i, double wt) {
                if (i == at) acc += wt * double(x[p]);
              });
            }
          }
          y[v * nb + k] = static_cast<float>(acc);
        }
    });
    return;
  }
  std::vector<float> xt(static_cast<std::size_t>(nx * ny));
  transpose(x, xt.data(), nx, ny);
  float* y = sinogram.data<float>();
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, g_.views()), [&](const tbb::blocked_range<std::int64_t>& r) {
    std::vector<double> acc(static_cast<std::size_t>(nb));
    for (std::int64_t v = r.begin(); v < r.end(); ++v) {
      const ViewWalks vw(*this, grid, v, nb);
      std::fill(acc.begin(), acc.end(), 0.0);
      vw.gather(0, nx, x, nx, acc.data());
      vw.gather(1, ny, xt.data(), ny, acc.data());
      for (std::int64_t k = 0; k < nb; ++k) y[v * nb + k] = static_cast<float>(acc[std::size_t(k)]);
    }
  });
}

void RayProjector::adjoint_into(const Image& sinogram, const Image& image) const {
  if (on_device(image)) {
    const DeviceKernels& k = require_device_kernels(name().c_str());
    k.joseph_adjoint(device_rays(), g_.views() * g_.bins, grid_args(domain()), sinogram.data<float>(), image.data<float>());
    return;
  }
  const detail::Grid grid(domain());
  const std::int64_t nx = grid.nx, ny = grid.ny, nb = g_.bins, nv = g_.views(), npix = nx * ny;
  const float* y = sinogram.data<float>();
  float* x = image.data<float>();
  // A fixed number of chunks of views, each scattering into its own image (row-driven rays) and
  // its own transposed image (column-driven rays), summed in a fixed order: no races, and the
  // same bytes for any number of threads.
  const std::int64_t chunks = std::min<std::int64_t>(nv, 8);
  std::vector<std::vector<float>> part(static_cast<std::size_t>(chunks)), part_t(static_cast<std::size_t>(chunks));
  tbb::parallel_for(std::int64_t(0), chunks, [&](std::int64_t c) {
    std::vector<float>& b = part[static_cast<std::size_t>(c)];
    std::vector<float>& bt = part_t[static_cast<std::size_t>(c)];
    for (std::int64_t v = c * nv / chunks; v < (c + 1) * nv / chunks; ++v) {
      const ViewWalks vw(*this, grid, v, nb);
      const float* yv = y + v * nb;
      if (!vw.group[0].empty() && b.empty()) b.assign(static_cast<std::size_t>(npix), 0.f);
      if (!vw.group[1].empty() && bt.empty()) bt.assign(static_cast<std::size_t>(npix), 0.f);
      if (!b.empty()) vw.scatter(0, nx, yv, b.data(), nx);
      if (!bt.empty()) vw.scatter(1, ny, yv, bt.data(), ny);
    }
  });
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, ny), [&](const tbb::blocked_range<std::int64_t>& r) {
    for (std::int64_t j = r.begin(); j < r.end(); ++j)
      for (std::int64_t i = 0; i < nx; ++i) {
        double s = 0.0;
        for (std::int64_t c = 0; c < chunks; ++c) {
          const auto& b = part[std::size_t(c)];
          const auto& bt = part_t[std::size_t(c)];
          if (!b.empty()) s += b[std::size_t(j * nx + i)];
          if (!bt.empty()) s += bt[std::size_t(i * ny + j)];
        }
        x[j * nx + i] = static_cast<float>(s);
      }
  });
}

std::unique_ptr<RayProjector> make_projector(const ProjectionGeometry& g) {
  if (g.beam == Beam::Parallel) return std::make_unique<ParallelBeamProjector>(g);
  return std::make_unique<FanBeamProjector>(g);
}

double joseph_line_integral(const Image& image, const Space& space, const Ray& r) {
  Image x = as_contiguous_f32(image);
  const float* p = x.data<float>();
  double acc = 0.0;
  detail::joseph_walk(detail::Grid(space), r, [&](std::int64_t idx, double w) { acc += w * double(p[idx]); });
  return acc;
}

}  // namespace mirflow::physics
