#pragma once
// Edge-preserving potentials ψ(t) of a neighbour difference t (in HU), for the pairwise priors of
// penalised weighted least squares (neighbour_prior.hpp). Each is even, convex, ψ(0) = 0, and has
// curvature 1 at 0 (ψ(t) ≈ t²/2 for small t; q-GGMRF with q = 2 is the exception, t²/4), so β
// weighs flat regions alike whatever the potential; they differ only in how they grow at edges:
//   quadratic  t²/2                                    (no edge preservation: a reference)
//   huber      t²/2 for |t| ≤ δ, δ|t| − δ²/2 beyond    (linear at edges, like TV there)
//   qggmrf     (t²/2) / (1 + |t/δ|^{2−q})              (Thibault et al. 2007 with p = 2: grows
//              like |t|^q at edges, 1 ≤ q ≤ 2; q = 2 is quadratic/2, q → 1 is Huber-like)
//   hyperbola  δ²(√(1 + (t/δ)²) − 1)                   (smoothed TV: δ|t| for |t| ≫ δ)
// The optimal quadratic-surrogate curvature ψ'(t)/t is at most ψ''(0) = 1 for all of them,
// which is what separable quadratic surrogates (os_sqs.hpp) rely on.
#include <string>

namespace mirflow::ir {

enum class PotentialKind { Quadratic, Huber, QGgmrf, Hyperbola };

const char* potential_name(PotentialKind k);                 // "quadratic", "huber", "qggmrf", "hyperbola"
PotentialKind potential_from_name(const std::string& name);  // throws std::invalid_argument

struct EdgePotential {
  PotentialKind kind = PotentialKind::QGgmrf;
  double delta = 10.0;  // transition between quadratic and edge behaviour, in the units of t (> 0)
  double q = 1.2;       // q-GGMRF's edge exponent, in [1, 2]

  // Throws std::invalid_argument for δ ≤ 0 or q outside [1, 2].
  void validate() const;
  double value(double t) const;       // ψ(t)
  double derivative(double t) const;  // ψ'(t)
  // ψ'(t)/t (1 at t = 0, a bound even where the limit is lower): the curvature of the tightest
  // quadratic majoriser at t.
  double curvature(double t) const;
};

}  // namespace mirflow::ir
