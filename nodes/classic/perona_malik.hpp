#pragma once
// Perona–Malik anisotropic diffusion (IEEE PAMI 12(7), 1990): explicit 4-neighbour scheme.
#include "plane.hpp"

namespace mirflow::classic {

enum class Conductance {
  Exponential,  // g(∇) = exp(−(|∇|/κ)²): favours high-contrast edges
  Rational,     // g(∇) = 1 / (1 + (|∇|/κ)²): favours wide regions over small ones
};

// `steps` updates u += dt · Σ_n g(∇_n u)·∇_n u over the four neighbour differences ∇_n u.
// Borders are Neumann (no flux across them), so the sum of the image is conserved. κ in image
// units (κ ≤ 0: nothing diffuses); dt ≤ 0.25 keeps the scheme stable (g ≤ 1).
Plane perona_malik(const Plane& f, double kappa, int steps, double dt, Conductance g);

}  // namespace mirflow::classic
