#pragma once
// How a noise level travels with an image between nodes: metadata keys that the estimator and the
// variance-stabilising transform write and the denoisers read, so σ is estimated once (per volume)
// and every later node uses the same value. A simulator's own noise.sigma (the true σ) is never
// read as an estimate: a benchmark must not hand the denoiser the answer.
#include <optional>
#include <string>

#include <mirflow/image.hpp>

namespace mirflow::imgproc {

// σ of the image's noise in its own units, as estimated (or given) upstream; 1 after a VST.
inline constexpr const char* kSigmaEstimateKey = "noise.sigma_estimate";
// σ (image units) that a Rician VST divided by: the inverse VST needs it.
inline constexpr const char* kVstSigmaKey = "noise.vst_sigma";

// The number stored under `key`, if present (throws std::invalid_argument for unreadable text).
std::optional<double> metadata_number(const Image& image, const std::string& key);
// Shortest text that reads back as the same double.
std::string number_text(double v);

}  // namespace mirflow::imgproc
