#pragma once
// Seeded random head phantoms for CT training and evaluation (docs/data.md: CT models are trained
// only on phantoms the project generates). Each phantom is a pure function of (seed, index), so a
// data set is reproducible item by item and a held-out split is just another seed or index range.
//
// Anatomy (HU, µ_water = 0.0192 /mm; tissue ranges guaranteed by construction, texture included):
//   air outside                       −1000
//   skull: an elliptical ring          800 … 1500   (3–9 mm thick at 256 mm field of view)
//   CSF: a thin rim inside the skull,    0 …   15
//        two lateral ventricles (+ a third, sometimes)
//   brain (grey and white matter)       20 …   45   (white matter a few HU below grey)
//   lesions: 1–4 ellipses in the brain, brain ± 5 … 30 HU (low contrast, either sign)
//   calcifications: 0–3 small disks    150 …  600
// Texture: smooth Gaussian-filtered white noise of a few HU in brain and CSF (tens of HU in bone).
// Geometry as physics::shepp_logan: the head fills the smaller field-of-view half-width (scaled by
// a random 0.80–0.95), centred with a small random offset and tilt; row 0 is the top.
#include <cstdint>

#include <mirflow/image.hpp>

namespace mirflow::physics {

// Tissue labels at pixel centres (the `labels` output of random_head_phantom).
enum class HeadTissue : std::uint8_t { Air = 0, Bone = 1, Csf = 2, Brain = 3, Lesion = 4, Calcification = 5 };

struct RandomPhantom {
  Image hu;      // float32 nx×ny, HU, each pixel the mean over oversample² sub-pixels
  Image labels;  // uint8 nx×ny, HeadTissue at each pixel centre
};

// The phantom number `index` of the stream `seed`.
RandomPhantom random_head_phantom(std::int64_t nx, std::int64_t ny, double dx, double dy, std::uint64_t seed,
                                  std::uint64_t index, int oversample = 3);

}  // namespace mirflow::physics
