// noise.rician_vst: Rician magnitudes → unit-variance Gaussian-like values (Foi 2011).
#include <algorithm>

#include <mirflow/error.hpp>
#include <mirflow_imgproc/noise_level.hpp>
#include <mirflow_imgproc/rician_vst.hpp>
#include <mirflow_imgproc/sigma_metadata.hpp>

#include "nodes.hpp"
#include "pixels.hpp"

namespace mirflow::noise {

RicianVstForward::RicianVstForward(const NodeConfig& c)
    : sigma_(c.params.has("sigma") ? std::optional<double>(c.params.get_float("sigma")) : std::nullopt),
      method_(imgproc::parse_sigma_method(c.params.get_string("method"))),
      amplitude_(c.params.get_string("input") == "amplitude") {}

NodeSpec RicianVstForward::spec() {
  return NodeSpec("noise.rician_vst",
                  "Variance-stabilising transform of Rician magnitudes (Foi 2011): f(m/σ) has unit noise variance at "
                  "every signal level, so any Gaussian denoiser applies; undo with noise.rician_vst_inverse")
      .input("image", kImagePort, "magnitude image or volume, any dtype")
      .output("image", kImagePort,
              "f(m/σ), float32, same geometry; metadata noise.vst_sigma = σ (for the inverse) and "
              "noise.sigma_estimate = 1. With no measurable noise (σ = 0) the input passes unchanged, "
              "noise.vst_sigma = 0")
      .param(ParamSpec::Float("sigma", 0.0,
                              "noise σ in image units (unset: the input's noise.sigma_estimate metadata, else "
                              "estimated with `method`)")
                 .range(0, 1e30).in_unit("image units").optional())
      .param(ParamSpec::Choice("method", {"auto", "background", "wavelet", "vst"}, "auto",
                               "estimator when σ is neither given nor in the metadata (noise.estimate_sigma)"))
      .param(ParamSpec::Choice("input", {"magnitude", "amplitude"}, "magnitude",
                               "magnitude: noisy magnitudes m, output f(m/σ); amplitude: a noise-free amplitude estimate "
                               "A (a denoiser's output), output E[f(m/σ) | A], the value the stabilised data have on "
                               "average there (a prior image for a solver working on stabilised data)"));
}

void RicianVstForward::process(Context& ctx) {
  const Image& in = ctx.image("image");
  imgproc::NoiseLevel level;
  try {
    level = imgproc::resolve_noise_level(in, sigma_, method_, "input 'image' (" + in.describe() + ")");
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  Image out = float_like(in);
  float* o = out.data<float>();
  const double sigma = level.sigma;
  if (sigma > 0) {
    const imgproc::RicianVst& vst = imgproc::RicianVst::get();
    if (amplitude_)
      visit_pixels(in, [&](std::int64_t i, double v) { o[i] = static_cast<float>(vst.expected(std::max(v, 0.0) / sigma)); });
    else
      visit_pixels(in, [&](std::int64_t i, double v) { o[i] = static_cast<float>(vst.forward(v / sigma)); });
    out.metadata()[imgproc::kSigmaEstimateKey] = "1";
  } else {
    visit_pixels(in, [&](std::int64_t i, double v) { o[i] = static_cast<float>(v); });
    out.metadata()[imgproc::kSigmaEstimateKey] = "0";
    out.metadata()["noise.sigma_note"] = level.note.empty() ? "no measurable noise" : level.note;
    if (level.source != "metadata") ctx.note(out.metadata()["noise.sigma_note"] + "; passed through unchanged");
  }
  out.metadata()[imgproc::kVstSigmaKey] = imgproc::number_text(sigma);
  ctx.output("image", std::move(out));
}

RicianVstInverse::RicianVstInverse(const NodeConfig& c)
    : sigma_(c.params.has("sigma") ? std::optional<double>(c.params.get_float("sigma")) : std::nullopt) {}

NodeSpec RicianVstInverse::spec() {
  return NodeSpec("noise.rician_vst_inverse",
                  "Exact unbiased inverse of noise.rician_vst: a denoised stabilised value D ≈ E[f(m/σ)] → the "
                  "signal A with E[f(Rice(A, σ)/σ)] = D (0 below the value of pure noise); removes the Rician bias")
      .input("image", kImagePort, "denoised stabilised image (float), as noise.rician_vst wrote it")
      .input("reference", kImagePort,
             "optional: any image carrying noise.vst_sigma (the VST's output) when the denoiser in between does not "
             "keep metadata",
             false)
      .output("image", kImagePort, "the signal estimate in the original units, float32, same geometry")
      .param(ParamSpec::Float("sigma", 0.0,
                              "σ the forward transform used (unset: noise.vst_sigma from the image's metadata, "
                              "else from the reference input's)")
                 .range(0, 1e30).in_unit("image units").optional());
}

void RicianVstInverse::process(Context& ctx) {
  const Image& in = ctx.image("image");
  std::optional<double> sigma = sigma_;
  if (!sigma) sigma = imgproc::metadata_number(in, imgproc::kVstSigmaKey);
  if (!sigma && ctx.has("reference")) sigma = imgproc::metadata_number(ctx.image("reference"), imgproc::kVstSigmaKey);
  if (!sigma)
    throw InputError("no σ for the inverse transform: the input " + in.describe() +
                     " carries no noise.vst_sigma metadata; set 'sigma' or connect 'reference' to the "
                     "noise.rician_vst output");
  Image out = float_like(in);
  float* o = out.data<float>();
  const double s = *sigma;
  if (s > 0) {
    const imgproc::RicianVst& vst = imgproc::RicianVst::get();
    visit_pixels(in, [&](std::int64_t i, double v) { o[i] = static_cast<float>(s * vst.inverse(v)); });
  } else {
    visit_pixels(in, [&](std::int64_t i, double v) { o[i] = static_cast<float>(v); });
  }
  out.metadata().erase(imgproc::kVstSigmaKey);
  out.metadata().erase(imgproc::kSigmaEstimateKey);
  ctx.output("image", std::move(out));
}

}  // namespace mirflow::noise
