#pragma once
// Non-local means (Buades, Coll & Morel 2005), defined as skimage.restoration.denoise_nl_means
// defines it for a 2-D grayscale image, in its pixelwise form (fast = false) and in its
// integral-image form (fast = true; Darbon et al. 2008, Froment 2014).
#include "plane.hpp"

namespace mirflow::classic {

// exp(y) in Schraudolph's (1999) bit-level approximation, the one skimage's NLM uses for its
// weights (a few per cent off exp). Exposed so that tests can reproduce skimage's numbers.
double schraudolph_exp(double y);

struct NlmOptions {
  int patch_size = 7;       // patch side (made odd); the fast form compares (size − 1)² pixels, as skimage
  int patch_distance = 11;  // search radius: candidates within ± patch_distance pixels
  double h = 0.1;           // cut-off, image units: weight exp(−max(d² − 2σ², 0) / h²)
  double sigma = 0.0;       // noise σ, image units: 2σ² is subtracted from patch distances
  bool fast = true;
  double (*exp)(double) = nullptr;  // weight function; nullptr: std::exp
};

// Borders are mirrored without repeating the edge (numpy 'reflect'). Patch distances are the
// mean squared difference (Gaussian-weighted in the pixelwise form); a candidate whose distance
// exceeds 5·h² gets no weight (in the pixelwise form, tested row by row as skimage does).
Plane nl_means(const Plane& f, const NlmOptions& o);

}  // namespace mirflow::classic
