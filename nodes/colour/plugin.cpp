#include "to_gray.hpp"

MIRFLOW_PLUGIN("colour", registry) { registry.add<mirflow::colour::ToGray>(); }
