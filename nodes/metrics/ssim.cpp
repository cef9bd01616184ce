#include <mirflow/error.hpp>

#include "gaussian_window.hpp"
#include "metrics.hpp"

namespace mirflow::metrics {

namespace {
Grid product(const Grid& a, const Grid& b) {
  Grid p = a;
  for (std::size_t i = 0; i < p.v.size(); ++i) p.v[i] *= b.v[i];
  return p;
}
}  // namespace

SsimParts ssim_parts(const Grid& x, const Grid& y, double data_range) {
  if (!(data_range > 0)) throw InputError("ssim: data_range must be > 0, got " + std::to_string(data_range));
  const std::int64_t pad = (kSsimWindow - 1) / 2;
  const std::array<std::int64_t, 3> n{x.nx, x.ny, x.ndim == 3 ? x.nz : kSsimWindow};
  for (std::int64_t e : n)
    if (e < kSsimWindow)
      throw InputError("ssim needs at least " + std::to_string(kSsimWindow) + " pixels along each axis, got " +
                       std::to_string(x.nx) + "x" + std::to_string(x.ny) + (x.ndim == 3 ? "x" + std::to_string(x.nz) : ""));

  auto smooth = [](const Grid& g) { return gaussian_smooth(g, kSsimSigma, kSsimTruncate); };
  const Grid ux = smooth(x), uy = smooth(y);
  const Grid uxx = smooth(product(x, x)), uyy = smooth(product(y, y)), uxy = smooth(product(x, y));
  const double c1 = (kSsimK1 * data_range) * (kSsimK1 * data_range);
  const double c2 = (kSsimK2 * data_range) * (kSsimK2 * data_range);

  // Population (co)variances (use_sample_covariance=False); the border strip of the window's
  // radius is left out of the mean, as scikit-image does, to avoid the reflected borders.
  double sum_s = 0, sum_cs = 0;
  std::int64_t count = 0;
  const std::int64_t z0 = x.ndim == 3 ? pad : 0, z1 = x.ndim == 3 ? x.nz - pad : 1;
  for (std::int64_t z = z0; z < z1; ++z)
    for (std::int64_t j = pad; j < x.ny - pad; ++j)
      for (std::int64_t i = pad; i < x.nx - pad; ++i) {
        const auto k = static_cast<std::size_t>((z * x.ny + j) * x.nx + i);
        const double mx = ux.v[k], my = uy.v[k];
        const double vx = uxx.v[k] - mx * mx, vy = uyy.v[k] - my * my, vxy = uxy.v[k] - mx * my;
        const double cs = (2 * vxy + c2) / (vx + vy + c2);
        sum_cs += cs;
        sum_s += (2 * mx * my + c1) / (mx * mx + my * my + c1) * cs;
        ++count;
      }
  return {sum_s / double(count), sum_cs / double(count)};
}

double ssim(const Image& image, const Image& reference, double data_range) {
  check_same_shape(image, "image", reference, "reference");
  return ssim_parts(to_grid(image, "image"), to_grid(reference, "reference"), data_range).ssim;
}

}  // namespace mirflow::metrics
