#include "mirflow_imgproc/noise_level.hpp"

#include "mirflow_imgproc/sigma_metadata.hpp"

namespace mirflow::imgproc {

NoiseLevel resolve_noise_level(const Image& image, const std::optional<double>& given, SigmaMethod method,
                               const std::string& what) {
  if (given) return {*given, "parameter", ""};
  if (const auto carried = metadata_number(image, kSigmaEstimateKey)) {
    NoiseLevel l{*carried, "metadata", ""};
    if (!(*carried > 0)) l.note = "upstream estimate: no measurable noise";
    return l;
  }
  const std::vector<double> s = samples_of(image);
  const VolumeView view{s.data(), image.nx(), image.ny(), image.nz()};
  require_finite_nonconstant(view, what);
  const SigmaEstimate e = estimate_sigma(view, method);
  return {e.sigma, "estimate (" + std::string(sigma_method_name(e.method)) + ")", e.note};
}

}  // namespace mirflow::imgproc
