// noise.estimate_sigma: the blind noise level of an item, carried on as metadata.
#include <nlohmann/json.hpp>

#include <mirflow/error.hpp>
#include <mirflow_imgproc/noise_sigma.hpp>
#include <mirflow_imgproc/sigma_metadata.hpp>

#include "nodes.hpp"

namespace mirflow::noise {

EstimateSigma::EstimateSigma(const NodeConfig& c)
    : method_(imgproc::parse_sigma_method(c.params.get_string("method"))) {}

NodeSpec EstimateSigma::spec() {
  return NodeSpec("noise.estimate_sigma",
                  "Blind noise σ of an image or volume (one σ per item, pooled over its slices), passed on as "
                  "metadata noise.sigma_estimate for the nodes downstream")
      .input("image", kImagePort, "2-D slice or 3-D volume, any dtype (magnitude MRI for the Rician estimators)")
      .output("image", kImagePort,
              "the input itself (no copy) with metadata noise.sigma_estimate (σ in image units; 0 when no noise "
              "is measurable), noise.sigma_method and, when σ is 0, noise.sigma_note")
      .output("report", kJsonPort, "JSON: sigma, the estimator used, every estimator's answer, usable blocks, note")
      .param(ParamSpec::Choice("method", {"auto", "background", "wavelet", "vst", "gaussian"}, "auto",
                               "estimator (docs/noise.md): auto = the smallest of the Rician background, wavelet and "
                               "VST estimates that have enough data; gaussian for additive Gaussian noise (CT)"));
}

void EstimateSigma::process(Context& ctx) {
  const Image& in = ctx.image("image");
  const std::vector<double> s = imgproc::samples_of(in);
  const imgproc::VolumeView view{s.data(), in.nx(), in.ny(), in.nz()};
  try {
    imgproc::require_finite_nonconstant(view, "input 'image' (" + in.describe() + ")");
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  const imgproc::SigmaEstimate e = imgproc::estimate_sigma(view, method_);
  Image out = in;  // shares the pixels; only the metadata differs
  out.metadata()[imgproc::kSigmaEstimateKey] = imgproc::number_text(e.sigma);
  out.metadata()["noise.sigma_method"] = std::string(imgproc::sigma_method_name(e.method));
  if (!e.note.empty()) out.metadata()["noise.sigma_note"] = e.note;
  nlohmann::json r = {{"sigma", e.sigma},
                      {"method", imgproc::sigma_method_name(e.method)},
                      {"estimates",
                       {{"background", e.background}, {"wavelet", e.wavelet}, {"vst", e.vst}, {"gaussian", e.gaussian}}},
                      {"blocks", e.blocks},
                      {"measurable", e.measurable()}};
  if (!e.note.empty()) {
    r["note"] = e.note;
    ctx.note(e.note + " (sigma = 0: the denoisers downstream pass the item through)");
  }
  ctx.output("image", std::move(out));
  ctx.output("report", r.dump());
}

}  // namespace mirflow::noise
