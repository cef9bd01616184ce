// noise.ct_poisson: low-dose CT noise on a sinogram of line integrals (docs/data.md, CT dose).
#include <cmath>
#include <limits>

#include <mirflow/error.hpp>
#include <mirflow_physics/sinogram.hpp>

#include "nodes.hpp"
#include "normal_rng.hpp"
#include "pixels.hpp"
#include "poisson_rng.hpp"

namespace mirflow::noise {

using physics::kSinogramPort;
using physics::Sinogram;

CtPoisson::CtPoisson(const NodeConfig& c)
    : electronic_sigma_(c.params.get_float("electronic_sigma")), count_floor_(c.params.get_float("count_floor")),
      seed_(static_cast<std::uint64_t>(c.params.get_int("seed"))) {
  if (c.params.has("i0")) i0_ = c.params.get_float("i0");
  if (i0_ && !std::isfinite(*i0_)) throw InputError("parameter 'i0' must be a finite number > 0");
  if (!std::isfinite(electronic_sigma_)) throw InputError("parameter 'electronic_sigma' must be a finite number ≥ 0");
  if (!std::isfinite(count_floor_)) throw InputError("parameter 'count_floor' must be a finite number > 0");
}

NodeSpec CtPoisson::spec() {
  constexpr double inf = std::numeric_limits<double>::infinity();
  NodeSpec s("noise.ct_poisson",
             "Low-dose CT noise on line integrals p: counts N ~ Poisson(I0·e^{−p}) + N(0, σe²), floored, p̂ = −ln(N/I0)");
  s.input("sinogram", kSinogramPort, "views × bins line integrals (µ·length) with their geometry")
      .output("sinogram", kSinogramPort,
              "noisy line integrals, float32, same geometry with i0 set to the I0 used; metadata noise.model = "
              "ct_poisson, noise.i0, noise.electronic_sigma, noise.count_floor, noise.starved_bins (bins whose count "
              "hit the floor), noise.seed")
      .param(ParamSpec::Float("i0", 1e4,
                              "incident photons per detector bin (1e4 low dose, 1e5–1e6 routine). Precedence: this "
                              "parameter when set; else the input geometry's i0 when recorded (physics.project i0); "
                              "else 1e4")
                 .range(1e-6, 1e15)
                 .in_unit("photons")
                 .optional())
      .param(ParamSpec::Float("electronic_sigma", 0.0, "standard deviation of the additive Gaussian electronic noise")
                 .range(0, inf)
                 .in_unit("counts"))
      .param(ParamSpec::Float("count_floor", 1.0,
                              "counts below this are set to it before the log (photon starvation: −ln 0 is infinite, "
                              "and electronic noise can make counts negative); p̂ ≤ ln(I0/count_floor)")
                 .range(1e-6, inf)
                 .in_unit("counts"))
      .param(ParamSpec::Int("seed", 0, "random seed; each work item draws from its own stream seeded by (seed, item key), "
                                       "so the same seed gives the same bytes whatever the thread schedule"));
  return s;
}

void CtPoisson::process(Context& ctx) {
  const Sinogram& in = ctx.input<Sinogram>("sinogram");
  physics::check_sinogram(in, "node " + ctx.node_id());
  const double i0 = i0_ ? *i0_ : (in.geometry.i0 && *in.geometry.i0 > 0 ? *in.geometry.i0 : 1e4);
  Image out = float_like(in.data);
  float* o = out.data<float>();
  NormalRng rng(seed_, ctx.key()->tag());
  std::int64_t starved = 0;
  visit_pixels(in.data, [&](std::int64_t i, double p) {
    if (!std::isfinite(p))
      throw InputError("node " + ctx.node_id() + ": the sinogram holds " + number_text(p) + " at raster index " +
                       std::to_string(i) + "; expected finite line integrals");
    double n = static_cast<double>(poisson(rng, i0 * std::exp(-p)));
    if (electronic_sigma_ > 0) n += electronic_sigma_ * rng.next();
    if (n < count_floor_) {
      n = count_floor_;
      ++starved;
    }
    o[i] = static_cast<float>(-std::log(n / i0));
  });
  Metadata& md = out.metadata();
  md.erase("sinogram.file");  // new data: later errors must not name the file the input came from
  md["noise.model"] = "ct_poisson";
  md["noise.i0"] = number_text(i0);
  md["noise.electronic_sigma"] = number_text(electronic_sigma_);
  md["noise.count_floor"] = number_text(count_floor_);
  md["noise.starved_bins"] = std::to_string(starved);
  md["noise.seed"] = std::to_string(static_cast<std::int64_t>(seed_));
  Sinogram result{std::move(out), in.geometry};
  result.geometry.i0 = i0;
  ctx.output("sinogram", std::move(result));
}

}  // namespace mirflow::noise
