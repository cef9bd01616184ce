#pragma once
// BM3D (Dabov, Foi, Katkovnik & Egiazarian, IEEE TIP 16(8), 2007) for one grayscale slice, with
// the parameters of Lebrun's analysis (IPOL 2, 2012) for σ ≤ 40 on the 0–255 scale.
#include "plane.hpp"

namespace mirflow::classic {

// One of the two steps: block matching around every reference patch, then collaborative filtering.
struct Bm3dStep {
  int patch = 8;           // k: patch side
  int max_group = 16;      // N: most patches per group (a power of two)
  int search_radius = 16;  // candidates within ± search_radius pixels (the window is 33 x 33)
  int stride = 3;          // p: step between reference patches (the last row and column are always included)
  double tau_match = 2500; // a candidate joins if its mean squared difference (0–255 scale) is below this
};

struct Bm3dOptions {
  double sigma = 0;   // noise σ in image units; 0 returns the input
  double range = 0;   // intensity span mapped to 0–255 for the matching thresholds; 0: the slice's max − min
  double lambda3d = 2.7;  // hard threshold, in σ, on the 3-D spectrum of step 1
  double kaiser_beta = 2.0;
  Bm3dStep hard{8, 16, 16, 3, 2500};
  Bm3dStep wiener{8, 32, 16, 3, 400};
  bool wiener_step = true;  // false: return the basic (hard-thresholding) estimate
};

// Lebrun's parameters for a σ (in image units, with the range the slice will be mapped with):
// above σ = 35 on the 0–255 scale the matching thresholds grow to 5000 and 3500.
Bm3dOptions bm3d_defaults(double sigma, double range);

Plane bm3d(const Plane& f, const Bm3dOptions& o);

}  // namespace mirflow::classic
