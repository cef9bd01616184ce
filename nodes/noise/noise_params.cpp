#include "noise_params.hpp"

#include <cmath>
#include <limits>

#include <mirflow/error.hpp>

#include "pixels.hpp"

namespace mirflow::noise {

NodeSpec& add_noise_params(NodeSpec& spec, const std::string& sigma_doc) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  return spec
      .param(ParamSpec::Float("sigma", 0.05, sigma_doc + ": a fraction of the reference maximum when relative = true "
                                                 "(MRI convention 0.03, 0.05, 0.07, 0.09), else in image units")
                 .range(0, inf))
      .param(ParamSpec::Bool("relative", true,
                             "sigma is a fraction of the reference maximum (true) or in image units (false)"))
      .param(ParamSpec::Float("reference_max", 0.0,
                              "the maximum a relative sigma scales; 0: each work item's own maximum |value| (after "
                              "flow.slice, each slice's: set the volume's maximum to keep sigma equal across slices)")
                 .range(0, inf)
                 .in_unit("image units"))
      .param(ParamSpec::Int("seed", 0, "random seed; each work item draws from its own stream seeded by (seed, item key), "
                                       "so the same seed gives the same bytes whatever the thread schedule"));
}

NoiseParams::NoiseParams(const Params& p)
    : sigma(p.get_float("sigma")), relative(p.get_bool("relative")), reference_max(p.get_float("reference_max")),
      seed(static_cast<std::uint64_t>(p.get_int("seed"))) {
  // The schema's range check lets NaN through (every comparison with NaN is false) and allows inf.
  if (!std::isfinite(sigma)) throw InputError("parameter 'sigma' must be a finite number ≥ 0");
  if (!std::isfinite(reference_max)) throw InputError("parameter 'reference_max' must be a finite number ≥ 0");
  if (!relative && reference_max > 0)
    throw InputError("parameter 'reference_max' applies only to a relative sigma (relative = true); remove it or set "
                     "relative = true");
}

Level NoiseParams::level(const Image& item) const {
  if (!relative) return {sigma, 0.0};
  const double ref = reference_max > 0 ? reference_max : max_abs(item);
  return {sigma * ref, ref};
}

void NoiseParams::record(Metadata& md, const std::string& model, const Level& level) const {
  // Keys an earlier noise stage may have left, which this one sets again where they apply.
  for (const char* k : {"noise.sigma_relative", "noise.reference_max", "noise.sigma_map", "noise.coils"}) md.erase(k);
  md["noise.model"] = model;
  md["noise.sigma"] = number_text(level.sigma);
  md["noise.seed"] = std::to_string(static_cast<std::int64_t>(seed));
  if (relative) {
    md["noise.sigma_relative"] = number_text(sigma);
    md["noise.reference_max"] = number_text(level.reference);
  }
}

}  // namespace mirflow::noise
