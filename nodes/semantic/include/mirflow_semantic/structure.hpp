#pragma once
// The offline structure provider: a preservation map from the image alone.
//
// Per 2-D slice, with σn the noise level (imgproc's Gaussian estimate: MAD of the finest diagonal
// Haar band) and R the 0.5–99.5 % intensity range:
//   edges     E = smoothstep((|∇G_σ ∗ I| − t) / t), t = max(edge_snr · σ_g, edge_contrast · R · s),
//             σ_g the gradient's noise standard deviation, s the derivative filter's step response;
//   texture   T = (1 − coherence) · smoothstep((s_loc − t_v) / t_v), s_loc the local standard
//             deviation in excess of the noise, t_v = max(edge_snr · σn, edge_contrast · R),
//             coherence ((λ1 − λ2)/(λ1 + λ2))² of the structure tensor (coherent variance is an edge);
//   blobs     bright spots from the scale-normalised Laplacian of Gaussian −σ²∇²G_σ ∗ I over
//             scales blob_sigma_min … blob_sigma_max (ratio √2): maxima in space and scale above
//             max(blob_snr · its noise std, blob_contrast · R), both Hessian eigenvalues negative
//             with ratio below 10 (no edges), radius √2·σ; each becomes a "lesion" region and a
//             feathered disc of its priority;
//   M = max(E, texture_weight · T, blobs).
#include <string>

#include "mirflow_semantic/plane.hpp"
#include "mirflow_semantic/semantic_map.hpp"

namespace mirflow::semantic {

struct StructureOptions {
  double sigma = 1.0;            // derivative scale (pixels)
  double integration_sigma = 2.0;  // structure tensor and local variance window (pixels)
  double edge_snr = 3.0;         // gradient above this many noise standard deviations is an edge
  double edge_contrast = 0.08;   // ... and a step of this fraction of the intensity range (0.02 marks
                                 // nearly all of a clean T1 brain, ch2.nii.gz, as edge)
  double texture_weight = 0.5;
  double blob_sigma_min = 1.5, blob_sigma_max = 8.0;  // pixels
  double blob_snr = 5.0;
  double blob_contrast = 0.05;   // LoG response as a fraction of the intensity range
  int max_blobs = 25;
};

// Noise standard deviation of a plane: imgproc's Gaussian estimator (MAD of the finest diagonal
// Haar band); 0 for a flat plane.
double estimate_noise(const Plane& p);

// The map of a 2-D or 3-D image (3-D: slice by slice; regions carry their slice in the label).
SemanticMap structure_map(const Image& image, const StructureOptions& options);

}  // namespace mirflow::semantic
