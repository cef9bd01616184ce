#pragma once
// The arithmetic of the fusion family, apart from the nodes so that tests can call it.
//
// linear     x = M ⊙ detail + (1 − M) ⊙ smooth
// attention  the same with M_eff = M ⊙ ((1 − s) + s · A) in place of M, where
//            A = e / (e + κ²), e = G_σ ∗ (detail − smooth)² (in-plane Gaussian, reflect edges):
//            where the two inputs agree to within κ, detail carries nothing smooth lacks but
//            noise, so the blend leans on smooth even inside regions M marks.
// beta map   β = scale · (b_min + (1 − M)(1 − b_min)): b_min·scale where M = 1 (keep detail:
//            regularise least), scale where M = 0 (homogeneous: regularise fully).
#include <mirflow/image.hpp>

namespace mirflow::fusion {

struct Attention {
  double sigma = 2.0;      // pixels
  double strength = 0.5;   // s in [0, 1]
  double kappa = -1;       // image units; < 0: the median of √e over the image
};

// Throws std::invalid_argument naming the inputs when shapes differ or M leaves [0, 1].
void check_inputs(const Image& detail, const Image& smooth, const Image& map);

Image blend(const Image& detail, const Image& smooth, const Image& weight);  // float32, detail's geometry
Image attention_weight(const Image& detail, const Image& smooth, const Image& map, const Attention& a);
Image beta_from_map(const Image& map, double b_min, double scale);

}  // namespace mirflow::fusion
