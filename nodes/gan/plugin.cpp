// mirflow_gan.so: the GAN denoiser (issue 5). The plugin only declares; the LibTorch backend is
// loaded when a gan node is built or `mirflow train` runs (backend.hpp).
#include <iostream>

#include <mirflow/plugin.hpp>

#include "lazy_backend.hpp"
#include "specs.hpp"

MIRFLOW_PLUGIN("gan", registry) {
  using namespace mirflow;
  using namespace mirflow::gan;
  registry.add(denoise_spec(), [](const NodeConfig& c) { return backend().make_denoise(c); });
  registry.add(torchscript_spec(), [](const NodeConfig& c) { return backend().make_torchscript(c); });
  // The CLI's registry outlives every command it runs; the reader and noise nodes come from it.
  const Registry* r = &registry;
  registry.add_command(CommandType{"train", "train the GAN denoiser: mirflow train FILE.toml [--set table.key=value]",
                                   [r](const std::vector<std::string>& args) {
                                     try {
                                       return backend().train(*r, args);
                                     } catch (const std::exception& e) {
                                       std::cerr << "mirflow: error: " << e.what() << "\n";
                                       return 2;
                                     }
                                   },
                                   {}});
}
