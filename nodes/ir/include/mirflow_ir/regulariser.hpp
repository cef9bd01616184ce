#pragma once
// Regularisers: what a prior chosen by name in a graph contributes to the ADMM problem.
//
// A prior is a plugin component of kind "ir.prior" (see register_priors and the core's
// Registry::add_component): a name, a parameter schema (every prior has `beta` ≥ 0) and a
// factory returning a Regulariser. The solver never learns which prior it runs: a Regulariser
// only appends split terms (non-smooth, handled by a prox) and smooth quadratic terms (into the
// x-step's normal system) to an AdmmProblem.
//
// The ADMM variable is the image x followed by auxiliary planes some priors need (TGV's vector
// field w: 2 planes). All planes have the image's nx × ny shape and are stacked along y, so the
// variable is an nx × (ny · (1 + Σ aux_planes)) real image; plane 0 is x.
#include <memory>
#include <string>

#include <mirflow/image.hpp>
#include <mirflow_physics/operator.hpp>

#include "mirflow_ir/admm.hpp"

namespace mirflow {
class Registry;
}

namespace mirflow::ir {

struct PriorContext {
  physics::Space image;     // x's space (real)
  physics::Space variable;  // the whole ADMM variable: x, then every prior's auxiliary planes
  int first_aux_plane = 0;  // where this prior's own auxiliary planes start (when it has any)
  Image beta_map;           // nx × ny float32 ≥ 0 multiplying β per pixel; empty: uniform
  Image guide;              // a reference image on `image` (anatomical prior); empty: none given
};

class Regulariser {
 public:
  virtual ~Regulariser() = default;
  virtual std::string name() const = 0;
  // Image-sized planes of auxiliary variables this prior adds to the ADMM variable.
  virtual int aux_planes() const { return 0; }
  // Appends this prior's terms, weighted by beta (and ctx.beta_map), to `problem`. Every operator
  // it adds maps ctx.variable (use plane_selector to reach x or its own planes).
  virtual void contribute(const PriorContext& ctx, double beta, AdmmProblem& problem) const = 0;
};

// The operator taking the variable to `count` consecutive planes starting at `first`
// (an nx × (ny·count) image); its adjoint embeds them back with zeros elsewhere.
std::shared_ptr<const physics::LinearOperator> plane_selector(const physics::Space& variable,
                                                              const physics::Space& image, int first,
                                                              int count);

// Registers the built-in priors (kind "ir.prior"): tv, huber, tgv, wavelet, anatomical, l1.
void register_priors(Registry& registry);

}  // namespace mirflow::ir
