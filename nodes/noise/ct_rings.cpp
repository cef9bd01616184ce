// noise.ct_rings: per-detector gain errors (ring artefacts after reconstruction).
#include <cmath>
#include <vector>

#include <mirflow/error.hpp>
#include <mirflow_physics/sinogram.hpp>

#include "nodes.hpp"
#include "pixels.hpp"
#include "ring_gains.hpp"

namespace mirflow::noise {

using physics::kSinogramPort;
using physics::Sinogram;

CtRings::CtRings(const NodeConfig& c)
    : gain_sigma_(c.params.get_float("gain_sigma")), seed_(static_cast<std::uint64_t>(c.params.get_int("seed"))) {
  if (!std::isfinite(gain_sigma_)) throw InputError("parameter 'gain_sigma' must be a finite number in [0, 0.3]");
}

NodeSpec CtRings::spec() {
  return NodeSpec("noise.ct_rings",
                  "Detector gain errors: gain_k = 1 + g_k, g_k ~ N(0, gain_sigma²) per detector bin, the same for every "
                  "view and every item; p' = p − ln(gain_k) (counts scaled by gain_k) → rings after FBP")
      .input("sinogram", kSinogramPort, "views × bins line integrals with their geometry")
      .output("sinogram", kSinogramPort,
              "line integrals with the gain errors, float32, same geometry; metadata noise.model = ct_rings, "
              "noise.gain_sigma, noise.seed")
      .param(ParamSpec::Float("gain_sigma", 0.01,
                              "standard deviation of the relative detector gain error (gains are clamped at ≥ 0.001)")
                 .range(0, 0.3))
      .param(ParamSpec::Int("seed", 0,
                            "random seed of the detector: the gains depend on the seed and the number of bins only "
                            "(not on the item key), so all slices of a scan share one detector"));
}

void CtRings::process(Context& ctx) {
  const Sinogram& in = ctx.input<Sinogram>("sinogram");
  physics::check_sinogram(in, "node " + ctx.node_id());
  const std::int64_t bins = in.data.nx();
  const std::vector<double> gains = ring_gains(seed_, bins, gain_sigma_);
  std::vector<double> offset(gains.size());
  for (std::size_t k = 0; k < gains.size(); ++k) offset[k] = std::log(gains[k]);
  Image out = float_like(in.data);
  float* o = out.data<float>();
  visit_pixels(in.data, [&](std::int64_t i, double p) {
    o[i] = static_cast<float>(p - offset[static_cast<std::size_t>(i % bins)]);
  });
  Metadata& md = out.metadata();
  md.erase("sinogram.file");  // new data: later errors must not name the file the input came from
  md["noise.model"] = "ct_rings";
  md["noise.gain_sigma"] = number_text(gain_sigma_);
  md["noise.seed"] = std::to_string(static_cast<std::int64_t>(seed_));
  ctx.output("sinogram", Sinogram{std::move(out), in.geometry});
}

}  // namespace mirflow::noise
