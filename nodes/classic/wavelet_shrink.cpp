#include "wavelet_shrink.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <mirflow_imgproc/robust.hpp>
#include "wavelet_transform.hpp"

namespace mirflow::classic {

double bayes_threshold(const Plane& band, double sigma) {
  double mean_sq = 0;
  for (double c : band.v) mean_sq += c * c;
  mean_sq /= static_cast<double>(band.v.size());
  const double var = sigma * sigma;
  // A band with no more energy than the noise is all noise: the threshold becomes huge.
  return var / std::sqrt(std::max(mean_sq - var, std::numeric_limits<double>::epsilon()));
}

double universal_threshold(double sigma, std::int64_t n) {
  return sigma * std::sqrt(2.0 * std::log(static_cast<double>(n)));
}

double shrink(double c, double t, bool soft) {
  const double m = std::abs(c);
  if (!soft) return m >= t ? c : 0.0;
  return m > t ? std::copysign(m - t, c) : 0.0;
}

Plane wavelet_shrink(const Plane& f, const WaveletShrinkOptions& o) {
  const Wavelet& w = wavelet_by_name(o.wavelet);
  int levels = o.levels;
  if (levels <= 0) levels = std::max(dwt_max_level(std::min(f.nx, f.ny), w) - 3, 1);
  Decomposition d = wavedec2(f, w, levels);
  const double sigma = o.sigma ? *o.sigma : imgproc::mad_sigma(d.details.back().dd.v);
  const double visu = universal_threshold(sigma, f.size());
  for (DetailBands& level : d.details)
    for (Plane* band : {&level.ad, &level.da, &level.dd}) {
      const double t = o.rule == ShrinkRule::Bayes ? bayes_threshold(*band, sigma) : visu;
      for (double& c : band->v) c = shrink(c, t, o.soft);
    }
  return waverec2(d, w, f.nx, f.ny);
}

}  // namespace mirflow::classic
