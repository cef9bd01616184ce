// mirflow_noise.so: noise simulators (issue 3). See nodes.hpp for what every node shares.
#include <mirflow/plugin.hpp>

#include "nodes.hpp"

MIRFLOW_PLUGIN("noise", registry) {
  registry.add<mirflow::noise::Gaussian>();
  registry.add<mirflow::noise::Rician>();
  registry.add<mirflow::noise::NcChi>();
  registry.add<mirflow::noise::CtPoisson>();
  registry.add<mirflow::noise::CtRings>();
  registry.add<mirflow::noise::MriMotion>();
  registry.add<mirflow::noise::EstimateSigma>();
  registry.add<mirflow::noise::RicianVstForward>();
  registry.add<mirflow::noise::RicianVstInverse>();
}
