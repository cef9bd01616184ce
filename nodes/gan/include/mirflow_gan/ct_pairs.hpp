#pragma once
// Low-dose CT training pairs (data kind "ct_lowdose"): (FBP of a noisy sinogram, the clean phantom),
// both in HU. Each pair is made with the graph nodes: physics.random_phantom (HU) → physics.project
// (parallel beam) → noise.ct_poisson at each I0 of `i0s` → ir.fbp (Hann, HU). The pairs are made
// once, before training: `phantoms` phantoms of stream `phantom_seed`, each at every dose with
// `realizations` independent noise draws (one 256² FBP costs about as much as a CPU training step,
// so drawing fresh noise per step would triple the run). Each step draws a pair from this bank,
// then flips/quarter turns (both images) and a crop. Validation is a phantom-level split: phantoms of another stream (`validation_seed`) with
// fixed noise at `validation_i0`, scored on whole slices with R = the clean slice's max − min.
#include <cstdint>
#include <vector>

#include <mirflow/registry.hpp>

#include "mirflow_gan/node_runner.hpp"
#include "mirflow_gan/pair_source.hpp"

namespace mirflow::gan {

struct CtPairOptions {
  std::int64_t nx = 256;        // phantom and reconstruction grid
  double pixel_size = 1.0;      // mm
  std::int64_t views = 360;     // over 180°
  std::int64_t bins = 0;        // 0: physics.project's default (the image diagonal)
  std::vector<double> i0s{1e4, 2e4, 5e4};
  double validation_i0 = 2e4;
  std::int64_t phantoms = 64;   // training pool
  std::int64_t realizations = 2;  // noise draws per phantom and dose
  std::int64_t validation_phantoms = 6;
  std::uint64_t phantom_seed = 1000, validation_seed = 9000;
  std::uint64_t seed = 0;       // noise, flips and crops (the [train] seed)
};

class CtPairs final : public PairSource {
 public:
  // `registry` must know physics.random_phantom, physics.project, noise.ct_poisson and ir.fbp.
  CtPairs(const Registry& registry, CtPairOptions o);
  Batch batch(std::int64_t step, std::int64_t size, std::int64_t patch) override;
  const std::vector<ValidationSlice>& validation() const override { return validation_; }
  std::string describe() const override;

 private:
  struct Phantom {
    torch::Tensor hu;   // 1×1×H×W
    std::any sinogram;  // noiseless, from physics.project
    std::vector<std::vector<torch::Tensor>> low_dose;  // [dose][realization]: FBP in HU, 1×1×H×W
  };
  Phantom make_phantom(std::uint64_t seed, std::int64_t index);
  torch::Tensor low_dose(const Phantom& p, double i0, const std::string& item);  // FBP in HU, 1×1×H×W

  const Registry& registry_;
  CtPairOptions o_;
  NodeRunner project_, fbp_;
  std::vector<Phantom> pool_;
  std::vector<ValidationSlice> validation_;
};

}  // namespace mirflow::gan
