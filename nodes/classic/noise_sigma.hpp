#pragma once
// The noise level σ that every classical denoiser needs: given by the user (parameter `sigma`, in
// the image's units) or estimated from the slice itself.
#include <optional>
#include <vector>

#include <mirflow/node.hpp>

#include "plane.hpp"

namespace mirflow::classic {

// Robust σ of zero-mean Gaussian coefficients: median(|c|) / Φ⁻¹(3/4) over the nonzero
// coefficients (Donoho & Johnstone 1994; skimage's _sigma_est_dwt). 0 when all are zero.
double mad_sigma(const std::vector<double>& coeffs);

// σ of additive white noise in a slice: mad_sigma of the finest diagonal (dd) band of a one-level
// db2 transform, as skimage.restoration.estimate_sigma computes it.
double estimate_noise_sigma(const Plane& slice);

// The shared optional `sigma` parameter of the classic nodes.
ParamSpec sigma_param();

// The `sigma` parameter if set, else estimate_noise_sigma(slice).
double noise_sigma(const std::optional<double>& given, const Plane& slice);

// Reads the optional `sigma` parameter from a node's configuration.
std::optional<double> sigma_from(const NodeConfig& c);

}  // namespace mirflow::classic
