#pragma once
// The σ a node works with, resolved in one order everywhere: the node's own parameter, else the
// estimate carried in the image's metadata (noise.estimate_sigma, or 1 after a Rician VST), else
// a blind estimate of the image itself.
#include <optional>
#include <string>

#include <mirflow/image.hpp>

#include "mirflow_imgproc/noise_sigma.hpp"

namespace mirflow::imgproc {

struct NoiseLevel {
  double sigma = 0;    // 0: no measurable noise (note says why)
  std::string source;  // "parameter", "metadata", or "estimate (<method>)"
  std::string note;
};

// `what` names the input in errors. Throws std::invalid_argument for NaN/Inf or a constant image
// when it has to estimate.
NoiseLevel resolve_noise_level(const Image& image, const std::optional<double>& given, SigmaMethod method,
                               const std::string& what);

}  // namespace mirflow::imgproc
