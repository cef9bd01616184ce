#include <cmath>

#include <mirflow/error.hpp>

#include "complex_magnitude.hpp"
#include "nodes.hpp"
#include "pixels.hpp"

namespace mirflow::noise {

Rician::Rician(const NodeConfig& c) : p_(c.params), phase_(c.params.get_float("phase")) {
  if (!std::isfinite(phase_)) throw InputError("parameter 'phase' must be finite");
}

NodeSpec Rician::spec() {
  NodeSpec s("noise.rician",
             "MRI magnitude noise: |A·e^{iφ} + σ·(g_re + i·g_im)|, g ~ N(0, 1) (Rician; background floor ≈ 1.25σ); "
             "output float32");
  s.input("image", kImagePort, "noise-free magnitude A, 2-D slice or 3-D volume (any dtype)")
      .output("image", kImagePort,
              "noisy magnitude, float32, same geometry; metadata noise.sigma (σ in image units), noise.coils = 1");
  add_noise_params(s, "standard deviation of the noise in each of the real and imaginary channels");
  s.param(ParamSpec::Float("phase", 0.0, "phase φ of the noise-free complex signal (does not change the statistics)")
              .in_unit("rad"));
  return s;
}

void Rician::process(Context& ctx) {
  const Image& in = ctx.image("image");
  const Level level = p_.level(in);
  Image out = float_like(in);
  NormalRng rng(p_.seed, ctx.key()->tag());
  add_complex_noise_magnitude(in, out, level.sigma, 1, phase_, rng);
  p_.record(out.metadata(), "rician", level);
  out.metadata()["noise.coils"] = "1";
  ctx.output("image", std::move(out));
}

}  // namespace mirflow::noise
