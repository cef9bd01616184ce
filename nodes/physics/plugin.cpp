#include "nodes.hpp"

MIRFLOW_PLUGIN("physics", registry) {
  registry.add<mirflow::physics::Project>();
  registry.add<mirflow::physics::Backproject>();
  registry.add<mirflow::physics::SinogramRead>();
  registry.add<mirflow::physics::SinogramWrite>();
  registry.add<mirflow::physics::Phantom>();
  registry.add<mirflow::physics::RandomPhantomSource>();
  registry.add<mirflow::physics::Units>();
}
