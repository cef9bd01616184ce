#include <cmath>
#include <vector>

#include <mirflow/error.hpp>

#include "nodes.hpp"
#include "normal_rng.hpp"
#include "pixels.hpp"

namespace mirflow::noise {

Gaussian::Gaussian(const NodeConfig& c) : p_(c.params) {}

NodeSpec Gaussian::spec() {
  NodeSpec s("noise.gaussian", "Additive Gaussian noise in(x) + σ(x)·N(0, 1), σ scalar or σ·sigma_map(x); output float32");
  s.input("image", kImagePort, "2-D slice or 3-D volume (any dtype)")
      .input("sigma_map", kImagePort,
             "optional per-pixel multiplier m(x) ≥ 0 of sigma, the image's shape: σ(x) = σ·m(x) (relative = false and "
             "sigma = 1 make the map σ in image units)",
             false)
      .output("image", kImagePort,
              "noisy image, float32, same geometry; metadata noise.sigma (σ in image units; with a map its RMS over "
              "the pixels, and noise.sigma_map = true)");
  return add_noise_params(s, "standard deviation of the noise");
}

void Gaussian::process(Context& ctx) {
  const Image& in = ctx.image("image");
  Level level = p_.level(in);
  Image out = float_like(in);
  float* o = out.data<float>();
  NormalRng rng(p_.seed, ctx.key()->tag());

  if (!ctx.has("sigma_map")) {
    const double sigma = level.sigma;
    visit_pixels(in, [&](std::int64_t i, double v) { o[i] = static_cast<float>(v + sigma * rng.next()); });
    p_.record(out.metadata(), "gaussian", level);
  } else {
    const Image& map = ctx.image("sigma_map");
    if (map.shape() != in.shape())
      throw InputError("sigma_map " + map.describe() + " does not have the shape of the image " + in.describe());
    std::vector<double> sig(static_cast<std::size_t>(in.size()));
    double sum_sq = 0;
    visit_pixels(map, [&](std::int64_t i, double m) {
      if (!(m >= 0) || !std::isfinite(m))
        throw InputError("sigma_map holds " + number_text(m) + " at raster index " + std::to_string(i) +
                         "; expected finite values ≥ 0");
      const double s = level.sigma * m;
      sig[static_cast<std::size_t>(i)] = s;
      sum_sq += s * s;
    });
    visit_pixels(in, [&](std::int64_t i, double v) {
      o[i] = static_cast<float>(v + sig[static_cast<std::size_t>(i)] * rng.next());
    });
    const double scalar = level.sigma;
    level.sigma = in.size() > 0 ? std::sqrt(sum_sq / static_cast<double>(in.size())) : 0.0;
    p_.record(out.metadata(), "gaussian", level);
    out.metadata()["noise.sigma_map"] = "true";
    out.metadata()["noise.sigma_scalar"] = number_text(scalar);
  }
  ctx.output("image", std::move(out));
}

}  // namespace mirflow::noise
