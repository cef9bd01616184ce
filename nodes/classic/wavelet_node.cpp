#include <stdexcept>

#include <mirflow/error.hpp>
#include <mirflow_imgproc/sigma_metadata.hpp>

#include "nodes.hpp"
#include "noise_sigma.hpp"
#include "slicewise.hpp"

namespace mirflow::classic {

WaveletShrinkage::WaveletShrinkage(const NodeConfig& c) {
  options_.wavelet = c.params.get_string("wavelet");
  options_.rule = c.params.get_string("method") == "bayes" ? ShrinkRule::Bayes : ShrinkRule::Visu;
  options_.soft = c.params.get_string("mode") == "soft";
  options_.levels = static_cast<int>(c.params.get_int("levels"));
  options_.sigma = sigma_from(c);
}

NodeSpec WaveletShrinkage::spec() {
  return NodeSpec("classic.wavelet",
                  "Wavelet shrinkage (BayesShrink or VisuShrink) per slice, as skimage's denoise_wavelet; "
                  "output float32.")
      .input("image", kImagePort, "2-D slice or 3-D volume, any dtype")
      .output("image", kImagePort, "denoised image, float32, same geometry")
      .param(ParamSpec::Float("sigma", 0.0,
                              "noise standard deviation (unset: the input's noise.sigma_estimate metadata, else the "
                              "median absolute deviation of the finest diagonal band of this transform)")
                 .range(0, 1e30).in_unit("image units").optional())
      .param(ParamSpec::Choice("wavelet", {"haar", "db2"}, "db2", "haar, or db2 (Daubechies, 4 taps)"))
      .param(ParamSpec::Choice("method", {"bayes", "visu"}, "bayes",
                               "bayes: a threshold per band (Chang 2000); visu: σ·sqrt(2 ln n) (Donoho 1994)"))
      .param(ParamSpec::Choice("mode", {"soft", "hard"}, "soft", "soft (shrink) or hard (keep or kill)"))
      .param(ParamSpec::Int("levels", 0, "decomposition levels (0: max possible - 3, at least 1)").range(0, 16));
}

void WaveletShrinkage::process(Context& ctx) {
  const Image& in = ctx.image("image");
  // σ: the parameter, else the noise.sigma_estimate an upstream node carried (1 after a VST), else
  // this transform's own MAD per slice (scikit-image's rule).
  WaveletShrinkOptions o = options_;
  if (!o.sigma) {
    try {
      o.sigma = imgproc::metadata_number(in, imgproc::kSigmaEstimateKey);
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
  }
  ctx.output("image", map_slices(in, [&o](const Plane& p) { return wavelet_shrink(p, o); }, "classic.wavelet"));
}

}  // namespace mirflow::classic
