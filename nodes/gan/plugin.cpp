// mirflow_gan.so: the GAN denoiser (issue 5). See nodes.hpp.
#include <mirflow/plugin.hpp>

#include "nodes.hpp"

MIRFLOW_PLUGIN("gan", registry) {
  registry.add<mirflow::gan::Denoise>();
  registry.add<mirflow::gan::TorchScript>();
  mirflow::gan::add_train_command(registry);
}
