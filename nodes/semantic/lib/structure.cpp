#include "mirflow_semantic/structure.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <mirflow_imgproc/noise_sigma.hpp>

namespace mirflow::semantic {

namespace {

double smoothstep01(double t) {
  t = std::clamp(t, 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

double quantile(std::vector<float> v, double q) {
  if (v.empty()) return 0;
  const std::size_t k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

double sum_sq(const std::vector<double>& k) {
  double s = 0;
  for (double w : k) s += w * w;
  return s;
}

struct Blob {
  std::int64_t x, y;
  double sigma, response;
};

// Bright-spot candidates of one slice: scale-space maxima of the normalised LoG (see header).
std::vector<Blob> find_blobs(const Plane& f, double noise, double range, const StructureOptions& o) {
  std::vector<double> sigmas;
  for (double s = o.blob_sigma_min; s <= o.blob_sigma_max * 1.0001; s *= std::sqrt(2.0)) sigmas.push_back(s);
  std::vector<Plane> log;
  std::vector<double> threshold;
  for (double s : sigmas) {
    const auto g0 = gaussian_kernel_1d(s, 0), g2 = gaussian_kernel_1d(s, 2);
    const Plane dxx = separable(f, g2, g0), dyy = separable(f, g0, g2);
    Plane l(f.nx, f.ny);
    for (std::size_t i = 0; i < l.v.size(); ++i) l.v[i] = static_cast<float>(-s * s * (dxx.v[i] + dyy.v[i]));
    log.push_back(std::move(l));
    // White noise through k = g2⊗g0 + g0⊗g2: Σk² = 2·Σg2²·Σg0² + 2·(Σ g0·g2)².
    double cross = 0;
    for (std::size_t i = 0; i < g0.size(); ++i) cross += g0[i] * g2[i];
    const double noise_std = noise * s * s * std::sqrt(2 * sum_sq(g2) * sum_sq(g0) + 2 * cross * cross);
    threshold.push_back(std::max(o.blob_snr * noise_std, o.blob_contrast * range));
  }
  std::vector<Blob> found;
  const int ns = static_cast<int>(sigmas.size());
  for (int k = 0; k < ns; ++k)
    for (std::int64_t y = 1; y + 1 < f.ny; ++y)
      for (std::int64_t x = 1; x + 1 < f.nx; ++x) {
        const float v = log[static_cast<std::size_t>(k)](x, y);
        if (v <= threshold[static_cast<std::size_t>(k)]) continue;
        bool is_max = true;
        for (int dk = -1; dk <= 1 && is_max; ++dk) {
          if (k + dk < 0 || k + dk >= ns) continue;
          const Plane& p = log[static_cast<std::size_t>(k + dk)];
          for (int dy = -1; dy <= 1 && is_max; ++dy)
            for (int dx = -1; dx <= 1 && is_max; ++dx)
              if ((dk || dy || dx) && p(x + dx, y + dy) > v) is_max = false;
        }
        if (!is_max) continue;
        // Edge rejection: a bright spot curves down in both directions, an edge in one only.
        const double s = sigmas[static_cast<std::size_t>(k)];
        const auto g0 = gaussian_kernel_1d(s, 0), g1 = gaussian_kernel_1d(s, 1), g2 = gaussian_kernel_1d(s, 2);
        auto at = [&](const std::vector<double>& kx, const std::vector<double>& ky) {
          double acc = 0;
          const std::int64_t rx = static_cast<std::int64_t>(kx.size() / 2), ry = static_cast<std::int64_t>(ky.size() / 2);
          for (std::int64_t j = -ry; j <= ry; ++j)
            for (std::int64_t i = -rx; i <= rx; ++i) {
              const std::int64_t xx = std::clamp<std::int64_t>(x + i, 0, f.nx - 1), yy = std::clamp<std::int64_t>(y + j, 0, f.ny - 1);
              acc += kx[static_cast<std::size_t>(i + rx)] * ky[static_cast<std::size_t>(j + ry)] * f(xx, yy);
            }
          return acc;
        };
        const double hxx = at(g2, g0), hyy = at(g0, g2), hxy = at(g1, g1);
        const double tr = hxx + hyy, det = hxx * hyy - hxy * hxy;
        const double ratio = 10.0;
        if (!(tr < 0 && det > 0 && tr * tr / det < (ratio + 1) * (ratio + 1) / ratio)) continue;
        found.push_back({x, y, s, v / threshold[static_cast<std::size_t>(k)]});
      }
  // Strongest first; drop any maximum inside a stronger blob (plateaus and neighbouring scales).
  std::sort(found.begin(), found.end(), [](const Blob& a, const Blob& b) { return a.response > b.response; });
  std::vector<Blob> kept;
  for (const Blob& b : found) {
    bool inside = false;
    for (const Blob& k : kept) {
      const double r = std::sqrt(2.0) * std::max(k.sigma, b.sigma);
      if (std::hypot(static_cast<double>(b.x - k.x), static_cast<double>(b.y - k.y)) < r) inside = true;
    }
    if (!inside) kept.push_back(b);
    if (static_cast<int>(kept.size()) >= o.max_blobs) break;
  }
  return kept;
}

// The map of one slice into `out` (a float32 plane) plus its blob regions.
void slice_map(const Plane& f, const StructureOptions& o, Plane& m, std::vector<Region>& regions, const std::string& suffix) {
  const double range = quantile(f.v, 0.995) - quantile(f.v, 0.005);
  if (!(range > 0)) return;  // flat (or nearly): nothing to preserve, M stays 0
  const double noise = estimate_noise(f);

  // Edges.
  const auto g0 = gaussian_kernel_1d(o.sigma, 0), g1 = gaussian_kernel_1d(o.sigma, 1);
  const Plane gx = separable(f, g1, g0), gy = separable(f, g0, g1);
  const double noise_grad = noise * std::sqrt(sum_sq(g1) * sum_sq(g0));
  double step = 0;  // response of the derivative filter to a unit step between two pixels
  for (std::size_t i = g1.size() / 2 + 1; i < g1.size(); ++i) step += g1[i];
  const double t_edge = std::max(o.edge_snr * noise_grad, o.edge_contrast * range * step);

  // Structure tensor and local variance.
  Plane jxx(f.nx, f.ny), jxy(f.nx, f.ny), jyy(f.nx, f.ny), f2(f.nx, f.ny);
  for (std::size_t i = 0; i < f.v.size(); ++i) {
    jxx.v[i] = gx.v[i] * gx.v[i];
    jxy.v[i] = gx.v[i] * gy.v[i];
    jyy.v[i] = gy.v[i] * gy.v[i];
    f2.v[i] = f.v[i] * f.v[i];
  }
  const auto gi = gaussian_kernel_1d(o.integration_sigma, 0);
  jxx = separable(jxx, gi, gi); jxy = separable(jxy, gi, gi); jyy = separable(jyy, gi, gi);
  const Plane mean = separable(f, gi, gi), mean2 = separable(f2, gi, gi);
  const double t_tex = std::max(o.edge_snr * noise, o.edge_contrast * range);

  for (std::size_t i = 0; i < f.v.size(); ++i) {
    const double g = std::hypot(gx.v[i], gy.v[i]);
    const double e = smoothstep01((g - t_edge) / t_edge);
    const double tr = jxx.v[i] + jyy.v[i];
    const double diff = std::sqrt((jxx.v[i] - jyy.v[i]) * (jxx.v[i] - jyy.v[i]) + 4.0 * jxy.v[i] * jxy.v[i]);
    const double coherence = tr > 1e-12 ? std::pow(std::min(1.0, diff / tr), 2) : 0.0;
    const double var = static_cast<double>(mean2.v[i]) - static_cast<double>(mean.v[i]) * mean.v[i];
    const double excess = std::sqrt(std::max(0.0, var - noise * noise));
    const double t = (1 - coherence) * smoothstep01((excess - t_tex) / t_tex);
    m.v[i] = static_cast<float>(std::max({static_cast<double>(m.v[i]), e, o.texture_weight * t}));
  }

  // Bright spots.
  for (const Blob& b : find_blobs(f, noise, range, o)) {
    const double r = std::sqrt(2.0) * b.sigma, cx = static_cast<double>(b.x) + 0.5, cy = static_cast<double>(b.y) + 0.5;
    const double priority = std::clamp(0.5 + 0.5 * (b.response - 1.0), 0.5, 1.0);
    Region reg;
    reg.label = "bright spot" + suffix;
    reg.box = {cx - r, cy - r, cx + r, cy + r};
    reg.priority = priority;
    reg.texture = Texture::Lesion;
    regions.push_back(reg);
    const double feather = std::max(1.0, r / 2);
    for (std::int64_t y = 0; y < f.ny; ++y)
      for (std::int64_t x = 0; x < f.nx; ++x) {
        const double d = std::hypot(static_cast<double>(x) + 0.5 - cx, static_cast<double>(y) + 0.5 - cy);
        const double w = priority * std::clamp((r - d) / feather + 0.5, 0.0, 1.0);
        m(x, y) = std::max(m(x, y), static_cast<float>(w));
      }
  }
}

}  // namespace

double estimate_noise(const Plane& p) {
  const std::vector<double> v(p.v.begin(), p.v.end());
  return imgproc::estimate_sigma({v.data(), p.nx, p.ny, 1}, imgproc::SigmaMethod::Gaussian).sigma;
}

SemanticMap structure_map(const Image& image, const StructureOptions& options) {
  if (image.device() != Device::CPU) throw std::invalid_argument("semantic.structure needs a CPU image, got " + image.describe());
  SemanticMap out;
  out.map = Image::allocate(DType::F32, image.shape(), image.ndim());
  out.map.geometry() = image.geometry();
  out.map.metadata() = image.metadata();
  for (std::int64_t z = 0; z < image.nz(); ++z) {
    const Plane f = plane_of(image, z);
    Plane m(f.nx, f.ny);
    slice_map(f, options, m, out.regions, image.ndim() == 3 ? " (z=" + std::to_string(z) + ")" : "");
    for (std::int64_t y = 0; y < f.ny; ++y)
      for (std::int64_t x = 0; x < f.nx; ++x) out.map.at<float>(x, y, z) = m(x, y);
  }
  out.provider = "structure";
  out.confidence = 0.5;  // a heuristic from intensities, not a recognition (docs/semantic.md)
  return out;
}

}  // namespace mirflow::semantic
