#pragma once
// Total-variation (ROF) denoising by Chambolle's projection algorithm (J. Math. Imaging Vis. 20,
// 2004), iterated and stopped exactly as skimage.restoration.denoise_tv_chambolle does.
#include "plane.hpp"

namespace mirflow::classic {

// Minimises TV(u) + ||u − f||² / (2·weight) with forward differences (none across the last
// row/column) and step τ = 1/4. Stops when the energy changes by less than eps·E₀ between two
// iterations, or after max_iter iterations. weight is in the image's units; weight ≤ 0 returns f.
Plane tv_chambolle(const Plane& f, double weight, double eps = 2e-4, int max_iter = 200);

}  // namespace mirflow::classic
