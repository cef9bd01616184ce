#pragma once
// Training augmentation of clean slices, seeded: a random rotation (±rotate_deg), isotropic
// scaling, an elastic deformation (a smooth random displacement field), flips, and
// brightness/contrast/gamma on intensities relative to a reference maximum; and random crops.
#include <torch/torch.h>

namespace mirflow::gan {

struct AugmentOptions {
  double rotate_deg = 15;
  double scale_min = 0.9, scale_max = 1.1;
  double elastic_px = 2.0;        // displacement amplitude (standard deviation) in pixels
  double elastic_grid = 6;        // control points per side of the displacement field
  double brightness = 0.05;       // ± shift, fraction of the reference maximum
  double contrast = 0.1;          // gain in [1 − c, 1 + c]
  double gamma_min = 0.8, gamma_max = 1.25;
};

// x: 1×1×H×W clean slice, non-negative, `reference` its volume's maximum. Returns the same size.
torch::Tensor augment(const torch::Tensor& x, double reference, const AugmentOptions& o, torch::Generator& gen);

// A random patch×patch crop of x (N×C×H×W); x is zero-padded first if it is smaller. The same
// crop window is applied to every tensor in `xs`.
std::vector<torch::Tensor> random_crop(const std::vector<torch::Tensor>& xs, std::int64_t patch,
                                       torch::Generator& gen);

// A crop like random_crop, but centred (as far as the borders allow) on a pixel drawn uniformly
// from those of `content` (1×1×H×W, the same size as xs) that are at least `level`; a plain
// random_crop when there is none. Used to spend training on tissue rather than on background.
std::vector<torch::Tensor> content_crop(const std::vector<torch::Tensor>& xs, std::int64_t patch,
                                        const torch::Tensor& content, double level, torch::Generator& gen);

// A uniform deviate in [lo, hi) from `gen`.
double uniform(torch::Generator& gen, double lo, double hi);

}  // namespace mirflow::gan
