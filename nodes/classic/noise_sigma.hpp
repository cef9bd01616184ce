#pragma once
// The noise level σ that every classical denoiser needs, from the shared estimators of imgproc:
// the node's `sigma` parameter, else the noise.sigma_estimate metadata of its input (set by
// noise.estimate_sigma, 1 after noise.rician_vst), else the Gaussian MAD estimate of the item
// (one σ for a whole volume).
#include <optional>

#include <mirflow/node.hpp>

#include "plane.hpp"

namespace mirflow::classic {

// The shared optional `sigma` parameter of the classic nodes.
ParamSpec sigma_param();

// Reads the optional `sigma` parameter from a node's configuration.
std::optional<double> sigma_from(const NodeConfig& c);

// σ for one work item (see above); 0 when no noise is measurable: the node then passes the item
// through, and this says so with ctx.note. Throws InputError for NaN/Inf or a constant item when
// it has to estimate.
double item_sigma(Context& ctx, const Image& item, const std::optional<double>& given);

}  // namespace mirflow::classic
