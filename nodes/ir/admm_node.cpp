// ir.admm: model-based reconstruction by ADMM (mirflow_ir/admm.hpp) with the priors of the
// "prior" component slot. The node turns a measurement (a sinogram, or an image for denoising and
// deblurring) into a ReconstructionSpec (mirflow_ir/reconstruct.hpp), solves it (coarse to fine
// when asked) and reports how. docs/ir-node.md describes the parameters and what β means.
#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include <mirflow/error.hpp>

#include "mirflow_ir/ct_weights.hpp"
#include "mirflow_ir/reconstruct.hpp"
#include "mirflow_ir/residual_map.hpp"
#include "mirflow_physics/device_kernels.hpp"
#include "mirflow_physics/gaussian_blur.hpp"
#include "mirflow_physics/projector.hpp"
#include "mirflow_physics/sinogram.hpp"
#include "mirflow_physics/units.hpp"

#include <mirflow_imgproc/noise_level.hpp>
#include <mirflow_imgproc/sure.hpp>

#include "nodes.hpp"
#include "rician_noise.hpp"

namespace mirflow::ir {
namespace {

using physics::Space;

template <class E> E choice(const std::string& v, const std::vector<std::pair<const char*, E>>& names) {
  for (const auto& [n, e] : names)
    if (v == n) return e;
  throw std::logic_error("unexpected choice " + v);  // the schema admits only the listed words
}

// A 2-D contiguous float32 image with the pixels of a 2-D image or of a one-slice volume (the
// operators take nothing else); no copy when it already is one.
Image as_plane(const Image& im, const std::string& what) {
  if (im.ndim() == 3 && im.nz() != 1)
    throw InputError(what + " must be a 2-D image, got " + im.describe() + " (put a flow.slice node before ir.admm)");
  Image v = im;
  if (v.ndim() == 3) v = Image::view(v.storage(), v.offset_bytes(), v.dtype(), {v.nx(), v.ny(), 1}, 2, v.strides());
  return physics::as_contiguous_f32(v);
}

Space image_space_of(const Image& im) {
  Space s;
  s.nx = im.nx(), s.ny = im.ny();
  s.spacing = {im.geometry().spacing[0], im.geometry().spacing[1]};
  s.origin = {im.geometry().origin[0], im.geometry().origin[1]};
  return s;
}

// An optional image input that must lie on `space` (the image grid or the sinogram grid).
Image optional_input(Context& ctx, const std::string& port, const Space& space, const std::string& grid) {
  if (!ctx.has(port)) return {};
  const Image im = as_plane(ctx.image(port), "input '" + port + "'");
  if (im.nx() != space.nx || im.ny() != space.ny)
    throw InputError("input '" + port + "' is " + std::to_string(im.nx()) + "×" + std::to_string(im.ny()) + ", " +
                     grid + " is " + std::to_string(space.nx) + "×" + std::to_string(space.ny));
  const float* p = im.data<float>();
  for (std::int64_t i = 0; i < im.size(); ++i)
    if (!std::isfinite(p[i])) throw InputError("input '" + port + "' holds a non-finite value at pixel " + std::to_string(i));
  return im;
}

void require_nonnegative(const Image& im, const std::string& port) {
  const float* p = im.data<float>();
  for (std::int64_t i = 0; i < im.size(); ++i)
    if (p[i] < 0) throw InputError("input '" + port + "' must be ≥ 0 everywhere; pixel " + std::to_string(i) + " is " + std::to_string(p[i]));
}

Image scaled(const Image& im, double f) {
  if (im.empty() || f == 1.0) return im;
  Image out = im.clone();
  float* p = out.data<float>();
  for (std::int64_t i = 0; i < out.size(); ++i) p[i] = static_cast<float>(p[i] * f);
  return out;
}

// mean(AᴴWA1) over the pixels A sees (W empty: 1); exactly 1 for the identity without weights.
// `normal_of_ones` receives AᴴWA1 (left empty for the identity).
double operator_gain(const physics::LinearOperator& A, const Image& W, Image& normal_of_ones) {
  if (W.empty() && dynamic_cast<const physics::IdentityOperator*>(&A)) return 1.0;
  Image ones = A.domain().allocate();
  std::fill(ones.data<float>(), ones.data<float>() + ones.size(), 1.f);
  Image a1 = A.apply(ones);
  if (!W.empty())
    for (std::int64_t i = 0; i < a1.size(); ++i) a1.data<float>()[i] *= W.data<float>()[i];
  const Image g = A.adjoint(a1);
  normal_of_ones = g;
  double sum = 0;
  std::int64_t n = 0;
  for (std::int64_t i = 0; i < g.size(); ++i)
    if (g.data<float>()[i] > 0) sum += g.data<float>()[i], ++n;
  return n > 0 && sum > 0 ? sum / double(n) : 1.0;
}

nlohmann::json level_report(const AdmmResult& r) {
  nlohmann::json h = nlohmann::json::array();
  for (const auto& it : r.history)
    h.push_back({{"primal", it.primal}, {"dual", it.dual}, {"eps_primal", it.eps_primal}, {"eps_dual", it.eps_dual},
                 {"rho", it.rho}, {"cg", it.cg_iterations},
                 {"objective", std::isfinite(it.objective) ? nlohmann::json(it.objective) : nlohmann::json(nullptr)}});
  return {{"iterations", r.iterations}, {"cg_iterations", r.cg_iterations}, {"stop", admm_stop_name(r.stop)},
          {"closed_form", r.closed_form}, {"history", std::move(h)}};
}

// Multiplies every regularisation weight of spec (each prior's β and γ) by the strength factor,
// or, when none is given, by the factor in [0.25, 4] with the lowest Monte-Carlo SURE
// (imgproc/sure.hpp) among 6 tried, each scored with half the iterations. The data are in σ units
// (scale = "sigma", checked by the constructor), so the noise of spec.b has σ = 1.
void apply_strength(const std::optional<double>& strength, ReconstructionSpec& spec, nlohmann::json& report) {
  double factor = strength.value_or(1.0);
  if (!strength) {
    const float* b = spec.b.data<float>();
    const std::vector<double> y(b, b + spec.b.size());
    imgproc::SureOptions o;
    o.lo = 0.25, o.hi = 4.0;
    const imgproc::SureChoice c = imgproc::choose_strength_sure(y, 1.0, [&](const std::vector<double>& data, double f) {
      ReconstructionSpec s = spec;
      s.b = Image::allocate2d(DType::F32, spec.b.nx(), spec.b.ny());
      std::copy(data.begin(), data.end(), s.b.data<float>());
      for (auto& p : s.priors) p.beta *= f;
      s.gamma *= f;
      // The search compares strengths, for which half the iterations rank them as the full
      // solve does; the final solve runs them all.
      s.admm.max_iterations = std::max(1, s.admm.max_iterations / 2);
      const Image x = reconstruct(s).x;
      return std::vector<double>(x.data<float>(), x.data<float>() + x.size());
    }, o);
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& p : c.curve) curve.push_back({{"strength", p.strength}, {"sure", p.risk}});
    report["sure"] = std::move(curve);
    factor = c.strength;
  }
  report["strength"] = factor;
  for (auto& p : spec.priors) p.beta *= factor;
  spec.gamma *= factor;
}

}  // namespace

AdmmNode::AdmmNode(const NodeConfig& c)
    : op_(choice<Op>(c.params.get_string("operator"), {{"auto", Op::Auto},
                                                       {"identity", Op::Identity},
                                                       {"projector", Op::Projector},
                                                       {"gaussian_blur", Op::GaussianBlur}})),
      blur_sigma_(c.params.get_float("blur_sigma")),
      gamma_(c.params.get_float("gamma")),
      warm_start_(c.params.get_bool("warm_start")),
      nonnegative_(c.params.get_bool("nonnegative")),
      ct_weights_(c.params.get_string("weights") == "ct_statistical"),
      hu_(c.params.get_string("units") == "hu"),
      rician_noise_(c.params.get_string("noise") == "rician"),
      rician_(choice<Rician>(c.params.get_string("rician_correction"),
                             {{"none", Rician::None}, {"pre", Rician::Pre}, {"post", Rician::Post}})),
      scale_(choice<Scale>(c.params.get_string("scale"),
                           {{"percentile", Scale::Percentile}, {"sigma", Scale::Sigma}, {"none", Scale::None}})),
      levels_(int(c.params.get_int("multires"))) {
  if (c.params.get_string("device") == "cuda") {
    if (!physics::device_kernels())
      throw InputError("parameter 'device' is \"cuda\" but no CUDA device is available (the gpu plugin installs its "
                       "kernels only on a machine with a device)");
    device_ = Device::CUDA;
  }
  if (c.params.has("nx")) nx_ = c.params.get_int("nx");
  if (c.params.has("ny")) ny_ = c.params.get_int("ny");
  if (c.params.has("pixel_size")) pixel_size_ = c.params.get_float("pixel_size");
  if (c.params.has("i0")) i0_ = c.params.get_float("i0");
  if (c.params.has("sigma")) sigma_ = c.params.get_float("sigma");
  if (c.params.has("rho")) rho_ = c.params.get_float("rho");
  if (c.params.has("balance_rho")) balance_rho_ = c.params.get_bool("balance_rho");
  options_.max_iterations = int(c.params.get_int("iterations"));
  options_.abs_tol = c.params.get_float("abs_tol");
  options_.rel_tol = c.params.get_float("rel_tol");
  options_.cg_max_iterations = int(c.params.get_int("cg_iterations"));
  options_.cg_rel_tol = c.params.get_float("cg_tol");
  if (c.params.get_string("preconditioner") != "auto")
    circulant_ = c.params.get_string("preconditioner") == "circulant";

  if (rician_noise_ && (op_ == Op::Projector || op_ == Op::GaussianBlur))
    throw InputError("noise = \"rician\" is for magnitude images with operator = \"identity\" (or \"auto\"), not \"" +
                     c.params.get_string("operator") + "\"");
  if (ct_weights_ && (op_ == Op::Identity || op_ == Op::GaussianBlur))
    throw InputError("weights = \"ct_statistical\" needs a sinogram (operator \"auto\" or \"projector\")");
  if (sigma_ && !(*sigma_ > 0)) throw InputError("parameter 'sigma' must be > 0");
  try {
    strength_ = imgproc::parse_strength(c.params.get_string("strength"));
  } catch (const std::invalid_argument& e) {
    throw InputError(std::string("parameter ") + e.what());
  }
  if (!strength_ && (rician_noise_ || scale_ != Scale::Sigma || op_ == Op::Projector || op_ == Op::GaussianBlur))
    throw InputError("strength = \"sure\" needs Gaussian noise of a known σ on an image: operator identity (or auto), "
                     "noise = \"gaussian\" and scale = \"sigma\" (for MRI magnitudes put noise.rician_vst before the "
                     "node and noise.rician_vst_inverse after it)");

  const auto it = c.components.find("prior");
  if (it != c.components.end())
    for (const ComponentConfig& e : it->second) {
      const double beta = e.params.get_float("beta");
      if (!(beta >= 0) || !std::isfinite(beta))
        throw InputError(e.where + ": beta must be a finite number ≥ 0, got " + std::to_string(beta));
      priors_.push_back({e.make<Regulariser>(), beta});
    }
}

NodeSpec AdmmNode::spec() {
  return NodeSpec("ir.admm",
                  "ADMM reconstruction: argmin ½‖Ax − b‖²_W + Σ β_k R_k(x) + (γ/2)‖x − x_prior‖², priors from [[node.prior]].")
      .input("measurement", kAnyPort,
             "a sinogram (port type sinogram: projector from its geometry) or a 2-D image (identity or Gaussian blur)")
      .input("prior", kImagePort, "x_prior on the reconstruction grid (γ term, warm start, anatomical guide); with noise = rician and post correction, an amplitude estimate", false)
      .input("weights", kImagePort, "data weights W ≥ 0 on the measurement's grid (instead of the 'weights' parameter)", false)
      .input("beta_map", kImagePort, "per-pixel factor ≥ 0 on every β, on the reconstruction grid", false)
      .output("image", kImagePort, "the reconstruction, float32 (CT: centred grid, µ or HU; images: the input's geometry)")
      .output("residual", kImagePort,
              "data consistency on the image grid, in the measurement's units: |Ax − b| for the identity, else "
              "the mean |W^½(Ax − b)| of the measurements that see each pixel (Aᴴ|r| ⊘ Aᴴ1)")
      .output("report", kJsonPort, "JSON: iterations, why it stopped, σ and scale used, per-iteration history")
      .component("prior", "ir.prior", "regularisers, each with its β (none: least squares plus the γ term)")
      .param(ParamSpec::Choice("operator", {"auto", "identity", "projector", "gaussian_blur"}, "auto",
                               "forward model A (auto: the projector of a sinogram's geometry, identity for an image)"))
      .param(ParamSpec::Float("blur_sigma", 1.0, "Gaussian blur σ for operator = \"gaussian_blur\"").range(0.01, 100).in_unit("pixels"))
      .param(ParamSpec::Int("nx", 0, "CT grid width (default: the sinogram geometry's)").range(1, 65536).in_unit("pixels").optional())
      .param(ParamSpec::Int("ny", 0, "CT grid height (default: the geometry's)").range(1, 65536).in_unit("pixels").optional())
      .param(ParamSpec::Float("pixel_size", 0.0, "CT pixel size, both axes (default: the geometry's)").range(1e-6, 1e6).in_unit("mm").optional())
      .param(ParamSpec::Float("gamma", 0.0, "γ, weight of (γ/2)‖x − x_prior‖² (needs the prior input; x_prior = 0 without it)").range(0, 1e12))
      .param(ParamSpec::Bool("warm_start", true, "start from x_prior when the prior input is connected"))
      .param(ParamSpec::Float("rho", 1.0,
                              "initial ADMM penalty ρ (on the scaled data); unset: 1 for images, 0.001 for sinograms "
                              "(docs/ir-node.md: a projector's data term is weak at fine detail, and a large ρ holds "
                              "edges back)")
                 .range(1e-9, 1e9)
                 .optional())
      .param(ParamSpec::Bool("balance_rho", true,
                             "residual balancing of ρ (Boyd et al. §3.4.1); unset: on for images, off for sinograms")
                 .optional())
      .param(ParamSpec::Float("abs_tol", 1e-4, "absolute tolerance on the primal and dual residuals").range(0, 1))
      .param(ParamSpec::Float("rel_tol", 1e-3, "relative tolerance on the primal and dual residuals").range(0, 1))
      .param(ParamSpec::Int("iterations", 100, "most ADMM iterations (per resolution level)").range(1, 100000))
      .param(ParamSpec::Int("cg_iterations", 20, "most CG steps per x-step").range(1, 10000))
      .param(ParamSpec::Float("cg_tol", 1e-4, "CG relative residual tolerance").range(0, 1))
      .param(ParamSpec::Choice("preconditioner", {"auto", "none", "circulant"}, "auto",
                               "CG preconditioner: a circulant (FFT) approximation of the x-step matrix probed at the "
                               "image centre, or none; auto: circulant for sinograms, none for images (ignored with "
                               "TGV)"))
      .param(ParamSpec::Bool("nonnegative", false, "constrain x ≥ 0 (an extra split)"))
      .param(ParamSpec::Choice("device", {"cpu", "cuda"}, "cpu",
                               "where the ADMM iterations run: the host, or a CUDA device (buffers stay on the device; "
                               "needs the gpu plugin and a device)"))
      .param(ParamSpec::Choice("weights", {"none", "ct_statistical"}, "none",
                               "W: none, or CT statistical weights I0·e^{−b} normalised to mean 1 (needs I0)"))
      .param(ParamSpec::Float("i0", 0.0, "incident photons per bin for ct_statistical (default: the sinogram geometry's i0)")
                 .range(1, 1e15).optional())
      .param(ParamSpec::Int("multires", 1, "resolution levels for sinograms, coarse to fine (each halves the grid; β·pixel area)").range(1, 4))
      .param(ParamSpec::Choice("units", {"mu", "hu"}, "mu", "CT output units: µ in 1/mm, or HU (µ_water = 0.0192 /mm)"))
      .param(ParamSpec::Choice("noise", {"gaussian", "rician"}, "gaussian",
                               "noise model of an image measurement; rician: MRI magnitude (σ from the parameter, the noise.sigma_estimate "
                               "metadata, or estimated per item)"))
      .param(ParamSpec::Float("sigma", 0.0, "noise σ in image units (default: the noise.sigma_estimate metadata, else estimated per item)").range(0, 1e12).optional())
      .param(ParamSpec::Choice("rician_correction", {"post", "pre", "none"}, "post",
                               "Rician bias: post inverts E[m] on the result, pre solves on sqrt(max(m² − 2σ², 0))"))
      .param(ParamSpec::Choice("scale", {"percentile", "sigma", "none"}, "percentile",
                               "data scaling that β refers to: image 99th percentile = 1, noise σ = 1, or raw units"))
      .param(ParamSpec::String("strength", "1",
                               "factor on every regularisation weight (each prior's β and γ), or \"sure\": the factor in [0.25, 4] with the lowest "
                               "Monte-Carlo SURE for this item (denoising only: identity operator, Gaussian noise, "
                               "scale = \"sigma\"; 6 trial factors, two solves of half the iterations each)"));
}

void AdmmNode::process(Context& ctx) {
  const std::any& m = ctx.input_any("measurement");
  ReconstructionSpec spec;
  std::optional<physics::ProjectionGeometry> geometry;  // sinograms
  Image like;  // an image measurement, whose geometry and metadata the output keeps
  nlohmann::json report;

  // The forward model and the data, checked before anything is allocated for the solve.
  if (const auto* s = std::any_cast<physics::Sinogram>(&m)) {
    if (op_ == Op::Identity || op_ == Op::GaussianBlur)
      throw InputError("operator \"" + std::string(op_ == Op::Identity ? "identity" : "gaussian_blur") +
                       "\" needs an image measurement, got a sinogram");
    if (rician_noise_) throw InputError("noise = \"rician\" needs an image measurement, got a sinogram");
    physics::check_sinogram(*s, "node " + ctx.node_id() + ", input 'measurement'");
    physics::ProjectionGeometry g = s->geometry;
    if (nx_) g.image_nx = *nx_;
    if (ny_) g.image_ny = *ny_;
    if (pixel_size_) g.pixel_dx = g.pixel_dy = *pixel_size_;
    g.validate("node " + ctx.node_id() + " (geometry with nx/ny/pixel_size)");
    spec.A = physics::make_projector(g);
    spec.b = physics::as_contiguous_f32(s->data);
    spec.make_operator = [g](physics::Space coarse) -> std::shared_ptr<const physics::LinearOperator> {
      physics::ProjectionGeometry c = g;
      c.image_nx = coarse.nx, c.image_ny = coarse.ny, c.pixel_dx = coarse.spacing[0], c.pixel_dy = coarse.spacing[1];
      return physics::make_projector(c);
    };
    geometry = g;
    report["operator"] = std::string("projector (") + physics::beam_name(g.beam) + " beam)";
  } else if (std::any_cast<Image>(&m)) {
    const Image* im = &ctx.image("measurement");  // one value per pixel: colour is refused by name
    if (op_ == Op::Projector) throw InputError("operator \"projector\" needs a sinogram measurement, got an image");
    if (ct_weights_) throw InputError("weights = \"ct_statistical\" needs a sinogram measurement, got an image");
    if (levels_ > 1) throw InputError("multires > 1 needs a sinogram measurement, got an image");
    like = *im;
    spec.b = as_plane(*im, "input 'measurement'");
    const Space sp = image_space_of(spec.b);
    if (op_ == Op::GaussianBlur)
      spec.A = std::make_shared<physics::GaussianBlur>(sp, blur_sigma_ * sp.spacing[0], blur_sigma_ * sp.spacing[1]);
    else
      spec.A = std::make_shared<physics::IdentityOperator>(sp);
    report["operator"] = spec.A->name();
  } else {
    throw InputError("input 'measurement' must be a sinogram or an image, got a " + std::string(m.type().name()));
  }
  const Space image = spec.A->domain();
  if (levels_ > 1) {
    const std::int64_t f = std::int64_t{1} << (levels_ - 1);
    if (image.nx % f != 0 || image.ny % f != 0)
      throw InputError("multires = " + std::to_string(levels_) + " needs a grid divisible by " + std::to_string(f) +
                       ", the reconstruction grid is " + image.describe() + " (set nx/ny or fewer levels)");
  }

  spec.x_prior = optional_input(ctx, "prior", image, "the reconstruction grid");
  spec.beta_map = optional_input(ctx, "beta_map", image, "the reconstruction grid");
  if (!spec.beta_map.empty()) require_nonnegative(spec.beta_map, "beta_map");
  spec.W = optional_input(ctx, "weights", spec.A->range(), "the measurement");
  if (!spec.W.empty()) {
    if (ct_weights_) throw InputError("both the 'weights' input and weights = \"ct_statistical\" are given; choose one");
    require_nonnegative(spec.W, "weights");
  }
  if (ct_weights_) {
    const double i0 = i0_ ? *i0_ : (geometry && geometry->i0 ? *geometry->i0 : 0.0);
    if (!(i0 > 0)) throw InputError("weights = \"ct_statistical\" needs I0: set 'i0' or record i0 in the sinogram's sidecar");
    try {
      spec.W = ct_statistical_weights(spec.b, i0);
    } catch (const std::invalid_argument& e) {
      throw InputError("input 'measurement': " + std::string(e.what()));
    }
    report["i0"] = i0;
  }

  // The noise level: the parameter, else the image's noise.sigma_estimate (noise.estimate_sigma
  // upstream, or 1 after a Rician VST), else a blind estimate of this item (imgproc).
  std::optional<double> sigma = sigma_;
  if (!sigma && !like.empty() && (rician_noise_ || scale_ == Scale::Sigma)) {
    imgproc::NoiseLevel level;
    try {
      level = imgproc::resolve_noise_level(like, std::nullopt,
                                           rician_noise_ ? imgproc::SigmaMethod::Auto : imgproc::SigmaMethod::Gaussian,
                                           "input 'measurement' (" + like.describe() + ")");
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
    report["sigma_source"] = level.source;
    if (!(level.sigma > 0)) {  // nothing to remove: the item passes through, and the report says why
      report["note"] = level.note + "; passed through unchanged";
      ctx.note(report["note"].get<std::string>());
      report["sigma"] = 0.0;
      Image x = physics::as_contiguous_f32(spec.b);
      x.geometry() = like.geometry();
      x.metadata() = like.metadata();
      ctx.output("image", x);
      if (ctx.output_connected("residual")) ctx.output("residual", Image::allocate2d(DType::F32, x.nx(), x.ny()));
      ctx.output("report", report.dump());
      return;
    }
    sigma = level.sigma;
  }
  if (scale_ == Scale::Sigma && !sigma)
    throw InputError("scale = \"sigma\" needs the noise σ: set 'sigma' (a sinogram carries no noise estimate)");
  if (sigma) report["sigma"] = *sigma;
  if (rician_noise_) {
    report["rician_correction"] = rician_ == Rician::Pre ? "pre" : rician_ == Rician::Post ? "post" : "none";
    if (rician_ == Rician::Pre) spec.b = rician_debias_squared(spec.b, *sigma);
    // With `post` the solve estimates E[m], not A; a prior image estimates A (a denoiser removes
    // the bias), so it is moved to E[m] too, or the final inversion would remove the bias twice.
    if (rician_ == Rician::Post && !spec.x_prior.empty()) spec.x_prior = rician_mean(spec.x_prior, *sigma);
  }

  // The data term is divided by λ = mean(AᴴWA1) (1 for the identity), so that β and ρ weigh the
  // priors against a data term of unit gain whatever the operator (a projector's AᴴA is of the
  // order of views × path length).
  const Image b_fit = spec.b, w_data = spec.W;  // for the residual map, in the data's own units
  Image normal_of_ones;
  const double lambda = operator_gain(*spec.A, spec.W, normal_of_ones);
  if (lambda != 1.0) {
    if (spec.W.empty()) {
      spec.W = spec.A->range().allocate();
      std::fill(spec.W.data<float>(), spec.W.data<float>() + spec.W.size(), 1.f);
    }
    spec.W = scaled(spec.W, 1.0 / lambda);
  }
  // The data scale needs AᴴWA1 for the scaled W: the same image over λ, not a second projection.
  spec.normal_of_ones = scaled(normal_of_ones, 1.0 / lambda);
  report["operator_gain"] = lambda;

  // β refers to data in these units: percentile (the library's scaling), σ = 1, or raw.
  const double pre_scale = scale_ == Scale::Sigma ? *sigma : 1.0;
  spec.b = scaled(spec.b, 1.0 / pre_scale);
  spec.x_prior = scaled(spec.x_prior, 1.0 / pre_scale);
  spec.scale_data = scale_ == Scale::Percentile;
  spec.guide = spec.x_prior;
  spec.gamma = gamma_;
  spec.warm_start_from_prior = warm_start_ && !spec.x_prior.empty();
  spec.nonnegative = nonnegative_;
  for (const auto& p : priors_) spec.priors.push_back({p.regulariser, p.beta});
  spec.multires_levels = levels_;
  spec.admm = options_;
  spec.device = device_;
  // Defaults measured on generated heads (docs/ir-node.md, "ρ for CT"): for a projector a small
  // fixed ρ reaches in 100 iterations what ρ = 1 with balancing does not reach in 600.
  spec.admm.rho = rho_.value_or(geometry ? 1e-3 : 1.0);
  spec.admm.balance_rho = balance_rho_.value_or(!geometry);
  spec.admm.circulant_preconditioner = circulant_.value_or(geometry.has_value());
  report["rho"] = spec.admm.rho;
  report["balance_rho"] = spec.admm.balance_rho;
  report["preconditioner"] = spec.admm.circulant_preconditioner ? "circulant" : "none";

  ReconstructionResult r;
  try {
    apply_strength(strength_, spec, report);
    r = reconstruct(spec);
  } catch (const std::invalid_argument& e) {  // inputs that do not fit the problem: bad input
    throw InputError(e.what());
  }
  Image x = scaled(r.x, pre_scale);
  if (nonnegative_) {  // ADMM's x meets the split constraint only up to the primal residual
    float* p = x.data<float>();  // x is this call's own result (r.x or its scaled copy)
    for (std::int64_t i = 0; i < x.size(); ++i) p[i] = std::max(p[i], 0.f);
  }
  // The residual map costs a projector pair for CT: made only when something reads it.
  const bool want_residual = ctx.output_connected("residual");
  Image residual = want_residual ? data_residual_map(*spec.A, x, b_fit, w_data) : Image();
  if (rician_noise_ && rician_ == Rician::Post) x = rician_invert_mean(x, *sigma);
  if (geometry && hu_) x = physics::mu_to_hu(x);
  if (!like.empty()) {
    x.geometry() = like.geometry();
    if (want_residual) residual.geometry() = like.geometry();
    x.metadata() = like.metadata();
  }

  report["scale"] = r.data_scale * pre_scale;
  report["estimated_bytes"] = r.estimated_bytes;
  report["iterations"] = r.stats.iterations;
  report["cg_iterations"] = r.stats.cg_iterations;
  report["stop"] = admm_stop_name(r.stats.stop);
  report["finest"] = level_report(r.stats);
  nlohmann::json coarse = nlohmann::json::array();
  for (const auto& c : r.coarse) coarse.push_back(level_report(c));
  report["coarse"] = std::move(coarse);
  ctx.output("image", x);
  if (want_residual) ctx.output("residual", residual);
  ctx.output("report", report.dump());
}

}  // namespace mirflow::ir
