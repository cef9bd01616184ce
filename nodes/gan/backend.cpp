// libmirflow_gan_nodes.so's entry point: the table the gan plugin calls through (backend.hpp).
#include "backend.hpp"

#include "nodes.hpp"

namespace mirflow::gan {
namespace {

const Backend kBackend{
    kBackendVersion,
    [](const NodeConfig& c) -> std::unique_ptr<Node> { return std::make_unique<Denoise>(c); },
    [](const NodeConfig& c) -> std::unique_ptr<Node> { return std::make_unique<TorchScript>(c); },
    &run_train_command,
};

}  // namespace
}  // namespace mirflow::gan

extern "C" __attribute__((visibility("default"))) const mirflow::gan::Backend* mirflow_gan_backend() {
  return &mirflow::gan::kBackend;
}
