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

// The typical noise of the line integrals that cross the object: the square root of the median
// variance 1/w over the rays whose line integral exceeds a tenth of the largest (rays through air
// carry no image noise; the median ignores a few starved rays).
double line_integral_noise(const Image& y, const Image& w) {
  const float* yp = y.data<float>();
  const float* wp = w.data<float>();
  float ymax = 0.f;
  for (std::int64_t i = 0; i < y.size(); ++i) ymax = std::max(ymax, yp[i]);
  std::vector<double> var;
  for (std::int64_t i = 0; i < y.size(); ++i)
    if (yp[i] > 0.1f * ymax && wp[i] > 0) var.push_back(1.0 / wp[i]);
  if (var.empty()) return 0.0;
  std::nth_element(var.begin(), var.begin() + std::ptrdiff_t(var.size() / 2), var.end());
  return std::sqrt(var[var.size() / 2]);
}

// The line-integral noise at which β is the weight itself (beta_rule = "noise_std").
constexpr double kReferenceNoise = 0.01;

// Views per subset that the automatic choice aims at (docs/ir-node.md: measured on training
// phantoms, 512² with 720 views and 256² with 360).
constexpr double kViewsPerSubset = 30.0;
constexpr int kMaxSubsets = 24;

}  // namespace

PwlsNode::PwlsNode(const NodeConfig& c)
    : beta_(c.params.get_float("beta")), scale_beta_(c.params.get_string("beta_rule") == "noise_std"),
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
      .param(ParamSpec::Choice("potential", {"qggmrf", "huber", "hyperbola", "quadratic"}, "qggmrf",
                               "ψ of the neighbour differences (mirflow_ir/edge_potential.hpp): q-GGMRF (Thibault 2007), "
                               "Huber, hyperbola (smoothed TV) or quadratic; all ≈ t²/2 below delta"))
      .param(ParamSpec::Float("beta", 3e-3,
                              "β, prior weight against the count-weighted data term; with beta_rule = \"noise_std\" "
                              "the weight at a line-integral noise of 0.01 (docs/ir-node.md)")
                 .range(0, 1e12))
      .param(ParamSpec::Choice("beta_rule", {"noise_std", "constant"}, "noise_std",
                               "how β follows the dose: noise_std uses β·0.01/σ̄, σ̄ the median noise std of the "
                               "line integrals through the object (from the weights); constant uses β as is (the "
                               "MAP rule: the count weights alone carry the dose)"))
      .param(ParamSpec::Float("delta", 10.0, "δ: where ψ turns from quadratic to edge-preserving").range(1e-6, 1e6).in_unit("HU"))
      .param(ParamSpec::Float("q", 1.2, "q-GGMRF's edge exponent (1: Huber-like, 2: quadratic)").range(1.0, 2.0))
      .param(ParamSpec::Int("iterations", 20, "full passes over the views").range(1, 100000))
      .param(ParamSpec::Int("subsets", 0, "ordered subsets of views (default: views/30, at most 24)").range(1, 100000).optional())
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

  const int views = int(g.views());
  const int subsets = subsets_ ? std::min(*subsets_, views)
                               : std::clamp(int(std::lround(views / kViewsPerSubset)), 1, std::min(kMaxSubsets, views));
  const std::vector<ViewSubset> parts = split_views(g, s.data, w, subsets);
  const NeighbourPrior prior(potential_, 1000.0 / physics::kMuWater, space.nx, space.ny);
  const double sigma_bar = line_integral_noise(physics::as_contiguous_f32(s.data), w);
  if (scale_beta_ && !(sigma_bar > 0))
    throw InputError(origin + ": no ray crosses an object (every line integral is ≤ 0), so beta_rule = \"noise_std\" has no "
                     "noise level to follow; use beta_rule = \"constant\"");
  const double beta = scale_beta_ ? beta_ * kReferenceNoise / sigma_bar : beta_;
  const PwlsResult r = pwls_os_sqs(parts, &prior, beta, start, options_);

  nlohmann::json report;
  report["i0"] = i0;
  report["electronic_sigma"] = esigma;
  report["beta"] = beta_;
  report["beta_rule"] = scale_beta_ ? "noise_std" : "constant";
  report["line_integral_noise"] = sigma_bar;
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
