// An ADMM prior from outside mirflow: anisotropic total variation,
//   R(x) = Σ_p w_p (|(∇x)_x(p)| + |(∇x)_y(p)|),
// the L1 norm of each gradient component on its own (mirflow's built-in "tv" is isotropic: the
// L2 norm of the gradient vector). It favours edges along the x and y axes and piecewise-constant
// regions with axis-aligned boundaries (text, circuit-like images, bar phantoms), and its prox
// separates into one scalar soft threshold per gradient component.
//
// Registered as component "anisotropic_tv" of kind "ir.prior"; the plugin registers no nodes. In a
// graph:
//   [[node.prior]]
//   type = "anisotropic_tv"
//   beta = 0.05
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include <mirflow/plugin.hpp>
#include <mirflow_ir/admm.hpp>
#include <mirflow_ir/gradient.hpp>
#include <mirflow_ir/planes.hpp>
#include <mirflow_ir/prox.hpp>
#include <mirflow_ir/regulariser.hpp>

namespace {

using namespace mirflow;

// L1 of a two-component field (GradientOperator's layout: the x-component plane, then the
// y-component plane), each component thresholded on its own:
//   value = weight · Σ_p w_p (|g_x(p)| + |g_y(p)|),   prox: soft threshold by τ·w_p, per component.
// The weight map is per pixel (one plane, nx × ny), shared by both components.
class ComponentwiseL1Prior final : public ir::Prior {
 public:
  std::string name() const override { return "componentwise_l1"; }

  double value(const Image& g, double weight) const override {
    const std::int64_t n = pixels_per_component(g);
    const float* a = g.data<float>();
    double sum = 0;
    for (std::int64_t p = 0; p < n; ++p) sum += w(p) * (std::abs(double(a[p])) + std::abs(double(a[p + n])));
    return weight * sum;
  }

  void prox(const Image& v, double tau, Image& out) const override {
    if (out.size() != v.size()) throw std::invalid_argument("anisotropic_tv: prox input and output sizes differ");
    const std::int64_t n = pixels_per_component(v);
    const float* a = v.data<float>();
    float* o = out.data<float>();  // may alias a: each float is read before it is written
    for (std::int64_t c = 0; c < 2; ++c)
      for (std::int64_t p = 0; p < n; ++p) {
        const double x = a[p + c * n], shrunk = std::abs(x) - tau * w(p);
        o[p + c * n] = shrunk > 0 ? float(std::copysign(shrunk, x)) : 0.f;
      }
  }

 private:
  std::int64_t pixels_per_component(const Image& g) const {
    if (g.dtype() != DType::F32 || !g.contiguous() || g.size() % 2 != 0)
      throw std::invalid_argument("anisotropic_tv: expects a contiguous float32 two-component field, got " +
                                  g.describe());
    const std::int64_t n = g.size() / 2;
    if (!weights_.empty() && weights_.size() != n)
      throw std::invalid_argument("anisotropic_tv: the β map has " + std::to_string(weights_.size()) +
                                  " pixels, the image " + std::to_string(n));
    return n;
  }
};

// One split term: z = ∇x (x being plane 0 of the ADMM variable), R = componentwise L1.
class AnisotropicTv final : public ir::Regulariser {
 public:
  std::string name() const override { return "anisotropic_tv"; }

  void contribute(const ir::PriorContext& ctx, double beta, ir::AdmmProblem& problem) const override {
    // ∇ of plane 0 (x) of the ADMM variable, which other priors may have extended with planes.
    auto K = ir::on_planes(std::make_shared<ir::GradientOperator>(ctx.image), ctx.variable, ctx.image, 0);
    auto prior = std::make_shared<ComponentwiseL1Prior>();
    if (!ctx.beta_map.empty()) {  // β per pixel, on both gradient components
      if (ctx.beta_map.size() != ctx.image.size())
        throw std::invalid_argument("anisotropic_tv: the β map has " + std::to_string(ctx.beta_map.size()) +
                                    " pixels, the image " + std::to_string(ctx.image.size()));
      prior->set_weight_map(physics::as_contiguous_f32(ctx.beta_map));
    }
    problem.terms.push_back(ir::AdmmTerm{std::move(K), std::move(prior), beta});
  }
};

}  // namespace

MIRFLOW_PLUGIN("example_prior", registry) {
  registry.add_component<ir::Regulariser>(
      "ir.prior", "anisotropic_tv",
      "anisotropic total variation: β Σ (|∂x u| + |∂y u|), favours axis-aligned edges (example plugin)",
      {ParamSpec::Float("beta", 0.05, "regularisation weight, ≥ 0, in units of the scaled data (as the built-in tv)")
           .range(0.0, 1e12)},
      [](const Params&) { return std::make_shared<AnisotropicTv>(); });
}
