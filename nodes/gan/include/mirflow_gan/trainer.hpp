#pragma once
// Adversarial training of the generator against the critic: WGAN-GP with two time-scale learning
// rates (Adam), L1 + SSIM + TV + perceptual terms, gradient accumulation, progressive patch
// sizes, cosine annealing with warm restarts, an exponential moving average of the generator's
// weights (what gets shipped), checkpoints with resume, validation PSNR/SSIM. Deterministic on
// CPU for a given seed and thread count: every random draw comes from a generator seeded by
// (seed, step), so a resumed run continues exactly as an uninterrupted one would.
#include <chrono>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>

#include <torch/torch.h>

#include "mirflow_gan/discriminator.hpp"
#include "mirflow_gan/generator.hpp"
#include "mirflow_gan/pair_source.hpp"
#include "mirflow_gan/perceptual.hpp"

namespace mirflow::gan {

struct LossWeights {
  double adversarial = 1, perceptual = 10, ssim = 5, tv = 0.1, l1 = 1;
  double gradient_penalty = 10;  // λ of WGAN-GP
};

struct TrainOptions {
  GeneratorOptions generator;
  DiscriminatorOptions critic;
  LossWeights weights;
  std::int64_t iterations = 1000;  // optimisation steps
  std::int64_t batch = 4;          // patches per micro-batch
  std::int64_t accumulate = 1;     // micro-batches per step (gradient accumulation)
  std::vector<std::int64_t> patches{64, 128, 256};  // progressive: equal shares of the iterations
  double lr_generator = 1e-4, lr_critic = 4e-4;      // TTUR
  double lr_min_fraction = 0.05;                     // cosine floor, relative to the start rate
  std::int64_t restart_period = 500;                 // first cosine cycle (steps); ×restart_mult after each
  double restart_mult = 2;
  double ema = 0.999;
  std::uint64_t seed = 0;
  int threads = 0;  // LibTorch intra-op threads (0: leave as is)
  std::filesystem::path output, checkpoint, perceptual;  // empty: none
  bool resume = true;
  std::int64_t checkpoint_every = 200, validate_every = 100, progress_every = 10;
  std::map<std::string, std::string> metadata;  // copied into the model file (model card facts)
};

struct StepLosses {
  double critic = 0, gradient_penalty = 0, generator = 0;
  double adversarial = 0, perceptual = 0, ssim = 0, tv = 0, l1 = 0;
};

struct Scores {
  double psnr_noisy = 0, psnr = 0, ssim_noisy = 0, ssim = 0;  // means over the validation slices
};

class Trainer {
 public:
  Trainer(TrainOptions o, PairSource& data);
  StepLosses step();  // one optimisation step: the critic, then the generator
  // Resumes from the checkpoint when asked and present, trains to `iterations` with progress
  // lines on `log`, checkpoints, and writes the EMA generator to `output`. Returns the scores.
  Scores run(std::ostream& log);
  Scores validate(bool use_ema);

  std::int64_t iteration() const { return step_; }
  std::int64_t patch_size(std::int64_t step) const;
  double learning_rate_factor(std::int64_t step) const;  // cosine with warm restarts, in [floor, 1]
  Generator& generator() { return g_; }
  Generator& ema() { return ema_; }
  Discriminator& critic() { return d_; }
  void save_checkpoint(const std::filesystem::path& file);
  void load_checkpoint(const std::filesystem::path& file);

 private:
  bool critic_needed() const;
  torch::Tensor architecture() const;  // generator width, levels, critic width
  void update_ema();
  void set_learning_rates();

  TrainOptions o_;
  PairSource& data_;
  Generator g_{nullptr}, ema_{nullptr};
  Discriminator d_{nullptr};
  std::unique_ptr<torch::optim::Adam> opt_g_, opt_d_;
  PerceptualLoss perceptual_;
  std::int64_t step_ = 0;
};

}  // namespace mirflow::gan
