#pragma once
#include "backend.hpp"

namespace mirflow::gan {

// The backend table, loading libmirflow_gan_nodes.so from the plugin's directory on first use.
// Throws InputError naming the file when it is missing or does not match this plugin.
const Backend& backend();

}  // namespace mirflow::gan
