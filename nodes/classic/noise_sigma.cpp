#include "noise_sigma.hpp"

#include <stdexcept>

#include <mirflow/error.hpp>
#include <mirflow_imgproc/noise_level.hpp>
#include <mirflow_imgproc/noise_sigma.hpp>

namespace mirflow::classic {

ParamSpec sigma_param() {
  return ParamSpec::Float("sigma", 0.0,
                          "noise standard deviation (unset: the input's noise.sigma_estimate metadata, else "
                          "estimated on the item: MAD of the finest diagonal Haar band)")
      .range(0, 1e30)
      .in_unit("image units")
      .optional();
}

std::optional<double> sigma_from(const NodeConfig& c) {
  if (!c.params.has("sigma")) return std::nullopt;
  return c.params.get_float("sigma");
}

double item_sigma(Context& ctx, const Image& item, const std::optional<double>& given) {
  imgproc::NoiseLevel level;
  try {
    level = imgproc::resolve_noise_level(item, given, imgproc::SigmaMethod::Gaussian,
                                         "input 'image' (" + item.describe() + ")");
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  if (!(level.sigma > 0))
    ctx.note((level.note.empty() ? std::string("no measurable noise") : level.note) + "; passed through unchanged");
  return level.sigma;
}

}  // namespace mirflow::classic
