#pragma once
// The gan node family: gan.denoise (the shipped generator) and gan.torchscript (any TorchScript
// module), plus the `mirflow train` command (train_command.cpp).
#include <filesystem>
#include <optional>

#include <mirflow/node.hpp>
#include <mirflow/registry.hpp>
#include <torch/script.h>

#include "mirflow_gan/generator.hpp"
#include "mirflow_gan/tiled_inference.hpp"

namespace mirflow::gan {

class Denoise final : public Node {
 public:
  explicit Denoise(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::filesystem::path file_;
  Generator net_{nullptr};
  TileOptions tiles_;
  std::int64_t batch_;
};

class TorchScript final : public Node {
 public:
  explicit TorchScript(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::filesystem::path file_;
  std::optional<torch::jit::Module> module_;
  bool normalise_;
  std::int64_t batch_;
};

// Sets LibTorch's intra-op thread count from a node's `threads` parameter (0: leave it).
void set_torch_threads(std::int64_t threads);

// Registers `mirflow train` with `registry`, which it keeps to build the reader and noise nodes.
void add_train_command(Registry& registry);

}  // namespace mirflow::gan
