#include "nodes.hpp"
#include "noise_sigma.hpp"
#include "strength.hpp"

namespace mirflow::classic {

Diffusion::Diffusion(const NodeConfig& c)
    : sigma_(sigma_from(c)), kappa_sigma_(c.params.get_float("kappa")), dt_(c.params.get_float("dt")),
      steps_(static_cast<int>(c.params.get_int("steps"))),
      conductance_(c.params.get_string("conductance") == "exponential" ? Conductance::Exponential
                                                                        : Conductance::Rational),
      strength_(strength_from(c)) {}

NodeSpec Diffusion::spec() {
  return NodeSpec("classic.diffusion",
                  "Perona-Malik anisotropic diffusion (1990) per slice, Neumann borders; output float32.")
      .input("image", kImagePort, "2-D slice or 3-D volume, any dtype")
      .output("image", kImagePort, "diffused image, float32, same geometry")
      .param(sigma_param())
      .param(ParamSpec::Float("kappa", 2.0, "edge threshold κ of the conductance").range(0, 1000).in_unit("sigma"))
      .param(ParamSpec::Int("steps", 5, "explicit time steps").range(0, 100000))
      .param(ParamSpec::Float("dt", 0.2, "time step (0.25 at most: stability of the 4-neighbour scheme)")
                 .range(1e-6, 0.25))
      .param(ParamSpec::Choice("conductance", {"exponential", "rational"}, "exponential",
                               "exp(-(g/κ)^2), or 1 / (1 + (g/κ)^2)"))
      .param(strength_param());
}

void Diffusion::process(Context& ctx) {
  const Image& in = ctx.image("image");
  const double sigma = item_sigma(ctx, in, sigma_);
  ctx.output("image", denoise_slices(in, sigma, strength_, [&](const Plane& p, double f) {
    return perona_malik(p, f * kappa_sigma_ * sigma, steps_, dt_, conductance_);
  }, "classic.diffusion"));
}

}  // namespace mirflow::classic
