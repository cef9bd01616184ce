// ir.pwls: CT model-based reconstruction by penalised weighted least squares,
//   x* = argmin_{x ≥ 0} ½ Σ_i w_i ([Ax]_i − y_i)² + β Σ_{pairs} ω ψ(HU difference),
// with the counts as weights (so β means the same at every dose) and an edge-preserving neighbour
// prior, solved by ordered subsets with Nesterov momentum (mirflow_ir/os_sqs.hpp) from an FBP.
// docs/ir-node.md ("ir.pwls") gives the maths, the defaults and how they were chosen.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <nlohmann/json.hpp>

#include <mirflow/error.hpp>

#include "mirflow_ir/ct_weights.hpp"
#include "mirflow_physics/fbp.hpp"
#include "mirflow_physics/projector.hpp"
#include "mirflow_physics/sinogram.hpp"
#include "mirflow_physics/units.hpp"
#include "nodes.hpp"

namespace mirflow::ir {

namespace {

// "<file>" of a sinogram read by physics.sinogram_read (its metadata), or a description of the port.
std::string sinogram_origin(const physics::Sinogram& s, const std::string& node) {
  const auto it = s.data.metadata().find("sinogram.file");
  return it != s.data.metadata().end() ? it->second : "node " + node + ", input 'sinogram'";
}

// The image's noise scale in HU: s/√h with h = (AᵀWA)_cc, the data term's curvature at the grid's
// centre pixel c (one projection of that pixel and its back-projection) and s = 1000/µ_water.
// 1/h is the variance of that pixel's estimate with its neighbours known: it follows the dose,
// the views, the pixel and bin sizes and the patient's attenuation together.
// Why β ∝ 1/noise: for an edge-preserving (TV-like) prior, the best weight of ½‖x − x̂‖² + λR(x)
// grows like the noise σ, not σ²; in the count-weighted objective (data term ∝ 1/σ²) that is
// β = λ/σ² ∝ 1/σ. Measured (docs/ir-node.md "ir.pwls"): the best β then stays put from I0 = 1e4
// to 1e6 within a factor of about 2, and from 256² at 1 mm with 360 views to 512² at 0.5 mm
// with 720, where a rule on the line integrals' noise alone moved by 1.5×.
double image_noise_hu(const physics::ProjectionGeometry& g, const Image& w) {
  const auto A = physics::make_projector(g);
  const physics::Space sp = A->domain();
  Image probe = sp.allocate();
  const std::int64_t c = (sp.ny / 2) * sp.nx + sp.nx / 2;
  probe.data<float>()[c] = 1.f;
  Image r = A->apply(probe);
  for (std::int64_t i = 0; i < r.size(); ++i) r.data<float>()[i] *= w.data<float>()[i];
  const Image back = A->adjoint(r);
  const double h = back.data<float>()[c];
  return h > 0 ? (1000.0 / physics::kMuWater) / std::sqrt(h) : 0.0;
}

// The image noise at which β is the weight itself (beta_rule = "image_noise").
constexpr double kReferenceImageNoise = 10.0;  // HU

// The number of ordered subsets: about N/3 views per subset for an N×N grid, at most 24. Ordered
// subsets with momentum stall in a limit cycle whose size grows with the number of subsets. On a
// 512² training phantom with 720 views (docs/ir-node.md "ir.pwls"), 4 subsets (180 views each)
// converge (Φ within 0.2 % of its initial gap to the minimum in 20 iterations), 12 stall at 1 %,
// 24 at 20 %, and 48 diverge; a schedule from 24 down to 4 subsets was slower than 4 throughout.
constexpr double kViewsPerSubsetPerPixel = 1.0 / 3.0;
constexpr int kMaxSubsets = 24;

int default_subsets(std::int64_t views, std::int64_t nx, std::int64_t ny) {
  const double per_subset = kViewsPerSubsetPerPixel * double(std::max(nx, ny));
  return int(std::clamp<std::int64_t>(std::lround(double(views) / per_subset), 1, std::min<std::int64_t>(kMaxSubsets, views)));
}

}  // namespace

PwlsNode::PwlsNode(const NodeConfig& c)
    : beta_(c.params.get_float("beta")), image_noise_rule_(c.params.get_string("beta_rule") == "image_noise"),
      hu_(c.params.get_string("units") == "hu") {
  try {
    potential_.kind = potential_from_name(c.params.get_string("potential"));
  } catch (const std::invalid_argument& e) {
    throw InputError(std::string("parameter 'potential': ") + e.what());
  }
  potential_.delta = c.params.get_float("delta");
  potential_.q = c.params.get_float("q");
  if (c.params.has("subsets")) subsets_ = int(c.params.get_int("subsets"));
  if (c.params.has("i0")) i0_ = c.params.get_float("i0");
  if (c.params.has("electronic_sigma")) electronic_sigma_ = c.params.get_float("electronic_sigma");
  options_.iterations = int(c.params.get_int("iterations"));
  options_.momentum = c.params.get_bool("momentum");
  options_.nonnegative = c.params.get_bool("nonnegative");
  options_.record_objective = c.params.get_bool("objective");
}

NodeSpec PwlsNode::spec() {
  constexpr double inf = std::numeric_limits<double>::infinity();
  return NodeSpec("ir.pwls",
                  "CT MBIR: argmin_{x≥0} ½‖Ax − y‖²_W + β Σ ω ψ(neighbour differences in HU), W the counts; ordered "
                  "subsets with momentum, started from an FBP")
      .input("sinogram", physics::kSinogramPort, "line integrals with their projection geometry (i0 recorded, or the 'i0' parameter)")
      .input("start", kImagePort, "start image in µ (1/mm) on the reconstruction grid (default: the Hann FBP of the sinogram)", false)
      .output("image", kImagePort, "the reconstruction, float32 on the geometry's centred grid, µ or HU")
      .output("report", kJsonPort, "JSON: I0, β, the potential, subsets, per-iteration seconds (and Φ with objective = true)")
      .param(ParamSpec::Choice("potential", {"huber", "qggmrf", "hyperbola", "quadratic"}, "huber",
                               "ψ of the neighbour differences (mirflow_ir/edge_potential.hpp): q-GGMRF (Thibault 2007), "
                               "Huber, hyperbola (smoothed TV) or quadratic; all ≈ t²/2 below delta"))
      .param(ParamSpec::Float("beta", 0.03,
                              "β, prior weight against the count-weighted data term; with beta_rule = \"image_noise\" "
                              "the weight at an image noise of 10 HU (docs/ir-node.md)")
                 .range(0, 1e12))
      .param(ParamSpec::Choice("beta_rule", {"image_noise", "constant"}, "image_noise",
                               "how β follows the data: image_noise uses β·10/σ_img, σ_img = (1000/µ_water)/√((AᵀWA)_cc) "
                               "in HU at the grid's centre pixel c, so one β serves every dose, view count and pixel "
                               "size; constant uses β as is (the MAP rule: the count weights alone carry the dose)"))
      .param(ParamSpec::Float("delta", 10.0, "δ: where ψ turns from quadratic to edge-preserving").range(1e-6, 1e6).in_unit("HU"))
      .param(ParamSpec::Float("q", 1.2, "q-GGMRF's edge exponent (1: Huber-like, 2: quadratic)").range(1.0, 2.0))
      .param(ParamSpec::Int("iterations", 20, "full passes over the views").range(1, 100000))
      .param(ParamSpec::Int("subsets", 0, "ordered subsets of the views (default: about N/3 views each for an N×N grid, "
                                         "1 to 24; more subsets stall further from the minimum)")
                 .range(1, 100000)
                 .optional())
      .param(ParamSpec::Bool("momentum", true, "Nesterov momentum with adaptive restart (Kim, Ramani & Fessler 2015)"))
      .param(ParamSpec::Bool("nonnegative", true, "constrain µ ≥ 0"))
      .param(ParamSpec::Float("i0", 0.0, "incident photons per bin (default: the sinogram geometry's i0, sidecar key \"i0\")")
                 .range(1e-6, 1e15)
                 .in_unit("photons")
                 .optional())
      .param(ParamSpec::Float("electronic_sigma", 0.0,
                              "electronic noise σ in counts (weights n²/(n + σ²)); default: the sinogram's "
                              "noise.electronic_sigma metadata, else 0")
                 .range(0, inf)
                 .in_unit("counts")
                 .optional())
      .param(ParamSpec::Bool("objective", false, "record Φ after every iteration in the report (one more projection each)"))
      .param(ParamSpec::Choice("units", {"mu", "hu"}, "mu", "output units: µ in 1/mm, or HU (µ_water = 0.0192 /mm)"));
}

void PwlsNode::process(Context& ctx) {
  const auto& s = ctx.input<physics::Sinogram>("sinogram");
  const std::string origin = sinogram_origin(s, ctx.node_id());
  physics::check_sinogram(s, origin);
  const physics::ProjectionGeometry& g = s.geometry;

  const double i0 = i0_ ? *i0_ : (g.i0 ? *g.i0 : 0.0);
  if (!(i0 > 0))
    throw InputError(origin + ": no I0 for the statistical weights: the geometry (sidecar key \"i0\") does not record "
                     "it; record it there or set the node's parameter 'i0'");
  double esigma = 0.0;
  if (electronic_sigma_) {
    esigma = *electronic_sigma_;
  } else if (const auto it = s.data.metadata().find("noise.electronic_sigma"); it != s.data.metadata().end()) {
    esigma = std::strtod(it->second.c_str(), nullptr);
    if (!(esigma >= 0) || !std::isfinite(esigma))
      throw InputError(origin + ": metadata noise.electronic_sigma = \"" + it->second + "\" is not a number ≥ 0");
  }
  Image w;
  try {
    w = ct_count_weights(s.data, i0, esigma * esigma);
  } catch (const std::invalid_argument& e) {
    // Name the view and bin of a bad value rather than a raster index.
    const Image b = physics::as_contiguous_f32(s.data);
    for (std::int64_t i = 0; i < b.size(); ++i)
      if (!std::isfinite(b.data<float>()[i]))
        throw InputError(origin + ": line integral " + std::to_string(b.data<float>()[i]) + " at view " +
                         std::to_string(i / g.bins) + ", bin " + std::to_string(i % g.bins) +
                         " (zero or negative counts have no finite −ln(N/I0); floor them before the log)");
    throw InputError(origin + ": " + e.what());
  }

  const physics::Space space = g.image_space();
  Image start;
  std::string start_name;
  if (ctx.has("start")) {
    start = physics::as_contiguous_f32(ctx.image("start"));
    if (start.nx() != space.nx || start.ny() != space.ny || (start.ndim() == 3 && start.nz() != 1))
      throw InputError("input 'start' is " + start.describe() + ", the reconstruction grid is " + space.describe());
    for (std::int64_t i = 0; i < start.size(); ++i)
      if (!std::isfinite(start.data<float>()[i]))
        throw InputError("input 'start' holds a non-finite value at pixel " + std::to_string(i));
    start = Image::view(start.storage(), start.offset_bytes(), start.dtype(), {start.nx(), start.ny(), 1}, 2, start.strides());
    start = physics::as_contiguous_f32(start);
    start_name = "input";
  } else {
    physics::FbpOptions fo;
    fo.filter = physics::FbpFilter::Hann;
    start = physics::fbp(s, fo);
    start_name = "fbp (hann)";
  }

  const int subsets = subsets_ ? int(std::min<std::int64_t>(*subsets_, g.views())) : default_subsets(g.views(), space.nx, space.ny);
  const NeighbourPrior prior(potential_, 1000.0 / physics::kMuWater, space.nx, space.ny);
  const double noise_hu = image_noise_hu(g, w);
  if (image_noise_rule_ && !(noise_hu > 0))
    throw InputError(origin + ": no ray sees the grid's centre pixel, so beta_rule = \"image_noise\" has no noise level to "
                     "follow; use beta_rule = \"constant\"");
  const double beta = image_noise_rule_ ? beta_ * kReferenceImageNoise / noise_hu : beta_;
  const PwlsResult r = pwls_os_sqs(split_views(g, s.data, w, subsets), &prior, beta, start, options_);

  nlohmann::json report;
  report["i0"] = i0;
  report["electronic_sigma"] = esigma;
  report["beta"] = beta_;
  report["beta_rule"] = image_noise_rule_ ? "image_noise" : "constant";
  report["image_noise_hu"] = noise_hu;
  report["beta_used"] = beta;
  report["potential"] = potential_name(potential_.kind);
  report["delta_hu"] = potential_.delta;
  if (potential_.kind == PotentialKind::QGgmrf) report["q"] = potential_.q;
  report["subsets"] = subsets;
  report["iterations"] = options_.iterations;
  report["momentum"] = options_.momentum;
  report["start"] = start_name;
  report["setup_seconds"] = r.setup_seconds;
  nlohmann::json h = nlohmann::json::array();
  for (const PwlsIteration& it : r.history)
    h.push_back({{"seconds", it.seconds}, {"restarts", it.restarts},
                 {"objective", std::isfinite(it.objective) ? nlohmann::json(it.objective) : nlohmann::json(nullptr)}});
  report["history"] = std::move(h);

  Image x = r.x;
  x.geometry().spacing = {space.spacing[0], space.spacing[1], 1.0};
  x.geometry().origin = {space.origin[0], space.origin[1], 0.0};
  ctx.output("image", hu_ ? physics::mu_to_hu(x) : x);
  ctx.output("report", report.dump());
}

}  // namespace mirflow::ir
