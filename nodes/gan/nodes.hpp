#pragma once
// The gan node family's LibTorch side (libmirflow_gan_nodes.so, see backend.hpp): gan.denoise
// (the shipped generator) and gan.torchscript (any TorchScript module), declared in specs.cpp,
// plus the `mirflow train` command (train_command.cpp).
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
  void process(Context& ctx) override;

 private:
  std::filesystem::path file_;
  Generator net_{nullptr};
  TileOptions tiles_;
  std::int64_t batch_;
  TensorFn forward_;                   // the network, self-ensembled when asked (ensemble > 1)
  torch::Device device_{torch::kCPU};  // where the network runs
};

class TorchScript final : public Node {
 public:
  explicit TorchScript(const NodeConfig& c);
  void process(Context& ctx) override;

 private:
  std::filesystem::path file_;
  std::optional<torch::jit::Module> module_;
  bool normalise_;
  std::int64_t batch_;
  torch::Device device_{torch::kCPU};  // where the module runs
};

// Sets LibTorch's intra-op thread count from a node's `threads` parameter (0: leave it).
void set_torch_threads(std::int64_t threads);

// `mirflow train ARGS...` (the arguments after the command name); `registry` builds the reader
// and noise nodes of the data source. Returns the exit status.
int run_train_command(const Registry& registry, const std::vector<std::string>& args);

}  // namespace mirflow::gan
