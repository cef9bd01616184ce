#pragma once
// The gan family's node declarations (no LibTorch here; see backend.hpp).
#include <mirflow/node.hpp>

namespace mirflow::gan {

NodeSpec denoise_spec();
NodeSpec torchscript_spec();

}  // namespace mirflow::gan
