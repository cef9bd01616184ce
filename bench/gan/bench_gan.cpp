// Inference milliseconds per slice of the gan.denoise generator with 1 and 2 LibTorch threads,
// and training steps per second (critic + generator, all losses) on synthetic pairs, so that the
// number measures the networks, not the data pipeline.
//   build/bench/bench_gan [width] [size] [repeat] [train_steps] [patch] [batch]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <torch/torch.h>

#include "mirflow_gan/generator.hpp"
#include "mirflow_gan/trainer.hpp"

using namespace mirflow::gan;
using Clock = std::chrono::steady_clock;

namespace {

// Smooth random images with Gaussian noise: enough to exercise every loss.
class SyntheticPairs final : public PairSource {
 public:
  Batch batch(std::int64_t step, std::int64_t size, std::int64_t patch) override {
    torch::Generator g = seeded_generator(1, 0, static_cast<std::uint64_t>(step));
    torch::Tensor clean = torch::rand({size, 1, patch / 8, patch / 8}, g);
    clean = torch::upsample_bilinear2d(clean, {patch, patch}, false) * 2 - 1;
    return {(clean + 0.1 * torch::randn(clean.sizes(), g)).clamp(-1, 1), clean};
  }
  const std::vector<ValidationSlice>& validation() const override { return none_; }
  std::string describe() const override { return "synthetic"; }

 private:
  std::vector<ValidationSlice> none_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t width = argc > 1 ? std::atoll(argv[1]) : 8;
  const std::int64_t size = argc > 2 ? std::atoll(argv[2]) : 256;
  const int repeat = argc > 3 ? std::atoi(argv[3]) : 20;
  const int steps = argc > 4 ? std::atoi(argv[4]) : 20;
  const std::int64_t patch = argc > 5 ? std::atoll(argv[5]) : 64;
  const std::int64_t batch = argc > 6 ? std::atoll(argv[6]) : 4;
  torch::manual_seed(0);
  Generator g(GeneratorOptions{width, 5});
  g->eval();
  std::int64_t params = 0;
  for (const auto& p : g->parameters()) params += p.numel();
  const torch::Tensor x = torch::rand({1, 1, size, size}) * 2 - 1;
  for (int threads : {1, 2}) {
    at::set_num_threads(threads);
    torch::NoGradGuard no_grad;
    for (int i = 0; i < 10; ++i) g->forward(x);  // allocator and kernel warm-up
    const auto t0 = Clock::now();
    for (int i = 0; i < repeat; ++i) g->forward(x);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / repeat;
    std::printf("libtorch width=%lld threads=%d size=%lld params=%lld ms_per_slice=%.2f\n",
                static_cast<long long>(width), threads, static_cast<long long>(size), static_cast<long long>(params), ms);
  }
  SyntheticPairs data;
  TrainOptions o;
  o.generator = {width, 5};
  o.critic = {16};
  o.iterations = steps + 2;
  o.batch = batch;
  o.patches = {patch};
  o.weights.perceptual = 1;  // the critic's features
  for (int threads : {1, 2}) {
    at::set_num_threads(threads);
    Trainer t(o, data);
    t.step();
    t.step();
    const auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) t.step();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("training width=%lld critic=16 threads=%d patch=%lld batch=%lld steps_per_s=%.3f\n",
                static_cast<long long>(width), threads, static_cast<long long>(patch), static_cast<long long>(batch),
                steps / s);
  }
  return 0;
}
