#include "mirflow_ir/edge_potential.hpp"

#include <cmath>
#include <stdexcept>

namespace mirflow::ir {

const char* potential_name(PotentialKind k) {
  switch (k) {
    case PotentialKind::Quadratic: return "quadratic";
    case PotentialKind::Huber: return "huber";
    case PotentialKind::QGgmrf: return "qggmrf";
    case PotentialKind::Hyperbola: return "hyperbola";
  }
  return "?";
}

PotentialKind potential_from_name(const std::string& n) {
  for (PotentialKind k : {PotentialKind::Quadratic, PotentialKind::Huber, PotentialKind::QGgmrf, PotentialKind::Hyperbola})
    if (n == potential_name(k)) return k;
  throw std::invalid_argument("unknown potential '" + n + "' (quadratic, huber, qggmrf, hyperbola)");
}

void EdgePotential::validate() const {
  if (!(delta > 0) || !std::isfinite(delta)) throw std::invalid_argument("delta must be a finite number > 0");
  if (!(q >= 1.0 && q <= 2.0)) throw std::invalid_argument("q must lie in [1, 2]");
}

double EdgePotential::value(double t) const {
  const double a = std::abs(t);
  switch (kind) {
    case PotentialKind::Quadratic: return 0.5 * t * t;
    case PotentialKind::Huber: return a <= delta ? 0.5 * t * t : delta * a - 0.5 * delta * delta;
    case PotentialKind::QGgmrf: return 0.5 * t * t / (1.0 + std::pow(a / delta, 2.0 - q));
    case PotentialKind::Hyperbola: return t * t / (1.0 + std::sqrt(1.0 + (t / delta) * (t / delta)));  // δ²(√(1 + (t/δ)²) − 1), no cancellation
  }
  return 0.0;
}

double EdgePotential::curvature(double t) const {
  const double a = std::abs(t);
  switch (kind) {
    case PotentialKind::Quadratic: return 1.0;
    case PotentialKind::Huber: return a <= delta ? 1.0 : delta / a;
    case PotentialKind::QGgmrf: {
      // ψ = (t²/2)/(1 + u), u = |t/δ|^{2−q}:  ψ'(t) = t/(1 + u) · (1 − ((2 − q)/2) · u/(1 + u)).
      if (a == 0.0) return 1.0;
      const double u = std::pow(a / delta, 2.0 - q);
      return (1.0 - 0.5 * (2.0 - q) * u / (1.0 + u)) / (1.0 + u);
    }
    case PotentialKind::Hyperbola: return 1.0 / std::sqrt(1.0 + (t / delta) * (t / delta));
  }
  return 1.0;
}

double EdgePotential::derivative(double t) const { return t * curvature(t); }

}  // namespace mirflow::ir
