// mirflow_classic.so: classical denoising baselines. See nodes.hpp for what every node shares.
#include <mirflow/plugin.hpp>

#include "nodes.hpp"

MIRFLOW_PLUGIN("classic", registry) {
  registry.add<mirflow::classic::Gaussian>();
  registry.add<mirflow::classic::NonLocalMeans>();
  registry.add<mirflow::classic::Bm3d>();
  registry.add<mirflow::classic::TotalVariation>();
  registry.add<mirflow::classic::WaveletShrinkage>();
  registry.add<mirflow::classic::Diffusion>();
}
