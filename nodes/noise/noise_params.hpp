#pragma once
// The parameters every noise node shares: the noise level (sigma, relative, reference_max) and
// the seed, declared once so that the three schemas cannot drift apart.
#include <cstdint>
#include <string>

#include <mirflow/node.hpp>

namespace mirflow::noise {

// Appends sigma, relative, reference_max and seed to `spec`; `sigma_doc` says what sigma is the
// standard deviation of.
NodeSpec& add_noise_params(NodeSpec& spec, const std::string& sigma_doc);

// The noise level of one work item.
struct Level {
  double sigma = 0;      // σ in image units
  double reference = 0;  // the maximum a relative sigma scaled (0 for an absolute sigma)
};

struct NoiseParams {
  double sigma = 0.05;         // as given
  bool relative = true;        // sigma is a fraction of the reference maximum
  double reference_max = 0.0;  // 0: the work item's own max |value|
  std::uint64_t seed = 0;

  // Throws InputError when reference_max is set for an absolute sigma (it would be ignored).
  explicit NoiseParams(const Params& p);
  // σ in image units for this work item: sigma, or sigma × (reference_max, else max |value|).
  Level level(const Image& item) const;
  // Records noise.model, noise.sigma (σ in image units), noise.seed and, for a relative sigma,
  // noise.sigma_relative (sigma as given) and noise.reference_max (the maximum it scaled).
  void record(Metadata& md, const std::string& model, const Level& level) const;
};

}  // namespace mirflow::noise
