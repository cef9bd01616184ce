#pragma once
// BM3D (Dabov, Foi, Katkovnik & Egiazarian, IEEE TIP 16(8), 2007) for one grayscale slice, with
// the parameters of Lebrun's analysis (IPOL 2, 2012) for σ ≤ 40 on the 0–255 scale, and for a
// volume with groups that gather patches of neighbouring slices (as V-BM3D does across frames).
// Both run in parallel (oneTBB) over rows of reference patches; the result does not depend on the
// number of threads.
#include <vector>

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
  double range = 0;   // intensity span mapped to 0–255 for the matching thresholds; 0: the slice's
                      // (bm3d_volume: the whole volume's) max − min
  double lambda3d = 2.7;  // hard threshold, in σ, on the 3-D spectrum of step 1
  double kaiser_beta = 2.0;
  Bm3dStep hard{8, 16, 16, 3, 2500};
  Bm3dStep wiener{8, 32, 16, 3, 400};
  bool wiener_step = true;  // false: return the basic (hard-thresholding) estimate
};

// Lebrun's parameters for a σ (in image units, with the range the slice will be mapped with):
// above σ = 35 on the 0–255 scale the matching thresholds grow to 5000 and 3500.
Bm3dOptions bm3d_defaults(double sigma, double range);

// The reference patch always leads its own group, so exactly flat regions (a zero background) come
// out finite too.
Plane bm3d(const Plane& f, const Bm3dOptions& o);

// BM3D of a volume (slices of equal size, z in order): reference patches on every slice (as bm3d),
// candidate patches searched in the same in-plane window on slices z − slice_radius … z + slice_radius
// (within the volume), so a group mixes 2-D patches of neighbouring slices, as video BM3D does across
// frames; each filtered patch is aggregated into its own slice. Among equally distant candidates the
// reference's own slice comes first, then z − 1, z + 1, z − 2, ...
//
// The whole volume is mapped to 0–255 with one offset (its minimum) and one span (o.range when > 0,
// else its max − min), so that patches of different slices compare. Hence slice_radius = 0 gives
// exactly bm3d() on a one-slice volume (any slice_radius does), but on several slices it equals
// bm3d() of each slice only where the two mappings coincide: given o.range > 0 (else each slice's
// own max − min would be its span) and with every slice's minimum equal to the volume's (bm3d maps
// a slice from its own minimum, and the thresholds on the 3-D spectra are not invariant to an
// offset). With o.range > 0 but different slice minima the difference is tiny (about 1e-3 in image
// units for σ = 10), with o.range = 0 the spans differ, and so do the matches and the results.
// Memory: besides the input and the output, a 0–255 copy and the basic estimate of the volume, and
// aggregation buffers for the 2·slice_radius + 1 slices of the current window; patch spectra are
// computed as groups are formed, never kept for whole slices.
// Throws std::invalid_argument for slices smaller than the patch, of unequal sizes, or a negative
// slice_radius; an empty volume gives an empty result.
std::vector<Plane> bm3d_volume(const std::vector<Plane>& slices, const Bm3dOptions& o, int slice_radius);

}  // namespace mirflow::classic
