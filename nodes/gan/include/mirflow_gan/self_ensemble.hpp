#pragma once
// Geometric self-ensemble (Lim et al., EDSR, 2017; Timofte et al., 2016): the network runs on
// the image under several of the eight symmetries of the square (flips and transposition), each
// output is mapped back, and the results are averaged. The noise is independent of orientation
// and the training saw every flip, so the mean keeps the signal and averages out part of the
// network's own orientation-dependent error, at n times the cost.
#include "mirflow_gan/tiled_inference.hpp"

namespace mirflow::gan {

// `net` averaged over the first n of: identity, flip x, flip y, flip both, and the same four after
// a transpose (n = 1, 2, 4 or 8; anything else is an InputError). n = 1 returns `net` itself.
TensorFn self_ensemble(TensorFn net, int n);

}  // namespace mirflow::gan
