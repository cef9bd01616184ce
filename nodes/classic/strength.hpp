#pragma once
// The `strength` parameter of the classical denoisers: a factor on the node's nominal strength
// (BM3D's σ, NL-means' h, TV's weight, the diffusion's κ), or "sure": the factor in [0.5, 2] with
// the lowest Monte-Carlo SURE (imgproc/sure.hpp), chosen from the data with no clean reference.
// SURE assumes white Gaussian noise of the σ the node uses: on magnitude MRI, run the denoiser
// between noise.rician_vst and noise.rician_vst_inverse.
//
// Where SURE looks: a 2-D item is its own sample (the factor is chosen per slice). For a volume,
// running the search on every slice would cost twelve denoiser runs per slice, so the factor is
// chosen on up to three sample slices (at a quarter, half and three quarters of the slices that
// hold signal, each with the neighbours a 3-D filter reads) and their median is used for the whole
// volume, whose noise level is one.
#include <functional>
#include <string>
#include <vector>

#include <mirflow/node.hpp>

#include "plane.hpp"

namespace mirflow::classic {

struct Strength {
  bool sure = false;
  double factor = 1.0;  // when not sure
};

ParamSpec strength_param();
// Throws InputError naming the parameter for text that is neither "sure" nor a positive number.
Strength strength_from(const NodeConfig& c);

// A denoiser of a stack of consecutive slices (one slice for a 2-D method) at a strength factor.
using SlabFilter = std::function<std::vector<Plane>(const std::vector<Plane>& slab, double factor)>;
// A denoiser of one slice at a strength factor.
using FactorFilter = std::function<Plane(const Plane& slice, double factor)>;

// `in` (2-D or 3-D, any dtype) through `filter` at the fixed or the SURE-chosen factor; σ is the
// noise level the filter assumes (image units). slab_radius: how many neighbours on each side a
// slice's result depends on (0 for 2-D methods), so that SURE's samples are whole. Output:
// float32 with the input's geometry and metadata plus denoise.strength (the factors chosen, comma-
// separated). σ = 0: the input passes through unchanged (float32).
Image denoise_volume(const Image& in, double sigma, const Strength& strength, int slab_radius,
                     const SlabFilter& filter, const char* what);

// The same for a 2-D method applied slice by slice.
Image denoise_slices(const Image& in, double sigma, const Strength& strength, const FactorFilter& filter,
                     const char* what);

}  // namespace mirflow::classic
