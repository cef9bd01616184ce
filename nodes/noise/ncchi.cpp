#include <cmath>

#include <mirflow/error.hpp>

#include "complex_magnitude.hpp"
#include "nodes.hpp"
#include "pixels.hpp"

namespace mirflow::noise {

NcChi::NcChi(const NodeConfig& c)
    : p_(c.params), phase_(c.params.get_float("phase")), coils_(static_cast<int>(c.params.get_int("coils"))) {
  if (!std::isfinite(phase_)) throw InputError("parameter 'phase' must be finite");
}

NodeSpec NcChi::spec() {
  NodeSpec s("noise.ncchi",
             "Multi-coil MRI magnitude noise: sqrt(Σ_k |A/√N·e^{iφ} + σ·(g_k,re + i·g_k,im)|²) over N coils with "
             "uniform sensitivities (noncentral chi, 2N degrees of freedom; N = 1 is noise.rician); output float32");
  s.input("image", kImagePort, "noise-free combined magnitude A, 2-D slice or 3-D volume (any dtype)")
      .output("image", kImagePort,
              "sum-of-squares magnitude, float32, same geometry; metadata noise.sigma (σ per channel per coil, image "
              "units), noise.coils");
  add_noise_params(s, "standard deviation of the noise in each real and imaginary channel of each coil");
  s.param(ParamSpec::Int("coils", 4, "number N of receive coils; each sees the signal A/√N (noise-free sum of squares A²)")
              .range(1, 256))
      .param(ParamSpec::Float("phase", 0.0, "phase φ of the noise-free complex signal (does not change the statistics)")
                 .in_unit("rad"));
  return s;
}

void NcChi::process(Context& ctx) {
  const Image& in = ctx.image("image");
  const Level level = p_.level(in);
  Image out = float_like(in);
  NormalRng rng(p_.seed, ctx.key()->tag());
  add_complex_noise_magnitude(in, out, level.sigma, coils_, phase_, rng);
  p_.record(out.metadata(), "ncchi", level);
  out.metadata()["noise.coils"] = std::to_string(coils_);
  ctx.output("image", std::move(out));
}

}  // namespace mirflow::noise
