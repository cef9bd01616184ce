#include "mirflow_ir/reconstruct.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <mirflow_physics/device_kernels.hpp>

#include "mirflow_ir/planes.hpp"
#include "mirflow_ir/residual_map.hpp"

namespace mirflow::ir {

using physics::LinearOperator;
using physics::Space;

namespace {

void check_spec(const ReconstructionSpec& s) {
  if (!s.A) throw std::invalid_argument("reconstruct: no forward operator");
  const Space dom = s.A->domain(), ran = s.A->range();
  if (dom.complex || ran.complex)
    throw std::invalid_argument("reconstruct: " + s.A->name() + " has complex spaces; the ADMM solver is real-only");
  if (!ran.matches(s.b))
    throw std::invalid_argument("reconstruct: the measurement " + (s.b.empty() ? std::string("(empty)") : s.b.describe()) +
                                " does not match " + s.A->name() + "'s range " + ran.describe());
  if (!s.W.empty() && !ran.matches(s.W)) throw std::invalid_argument("reconstruct: the weights W do not match the measurement");
  if (!s.x_prior.empty() && !dom.matches(s.x_prior))
    throw std::invalid_argument("reconstruct: x_prior " + s.x_prior.describe() + " does not match the image " + dom.describe());
  if (!s.guide.empty() && !dom.matches(s.guide))
    throw std::invalid_argument("reconstruct: the guide " + s.guide.describe() + " does not match the image " + dom.describe());
  if (!s.beta_map.empty() && !dom.matches(s.beta_map))
    throw std::invalid_argument("reconstruct: the β map " + s.beta_map.describe() + " does not match the image " + dom.describe());
  if (!(s.gamma >= 0)) throw std::invalid_argument("reconstruct: gamma must be ≥ 0");
  for (std::size_t k = 0; k < s.priors.size(); ++k) {
    if (!s.priors[k].prior) throw std::invalid_argument("reconstruct: prior[" + std::to_string(k) + "] is empty");
    if (!(s.priors[k].beta >= 0))
      throw std::invalid_argument("reconstruct: prior[" + std::to_string(k) + "] (" + s.priors[k].prior->name() +
                                  ") has beta < 0");
  }
  if (s.multires_levels < 1) throw std::invalid_argument("reconstruct: multires_levels must be ≥ 1");
  if (s.multires_levels > 1) {
    if (!s.make_operator) throw std::invalid_argument("reconstruct: multi-resolution needs make_operator for coarse grids");
    const std::int64_t f = std::int64_t{1} << (s.multires_levels - 1);
    if (dom.nx % f != 0 || dom.ny % f != 0)
      throw std::invalid_argument("reconstruct: multi-resolution with " + std::to_string(s.multires_levels) +
                                  " levels needs image sizes divisible by " + std::to_string(f) + ", got " + dom.describe());
  }
}

// The 99th percentile of |v| over the entries where `mask` (if given) is set; 1 when it is 0.
double robust_scale(const Image& v, const std::vector<char>* mask = nullptr) {
  std::vector<float> a;
  a.reserve(std::size_t(v.size()));
  const float* p = v.data<float>();
  for (std::int64_t i = 0; i < v.size(); ++i)
    if (!mask || (*mask)[std::size_t(i)]) a.push_back(std::abs(p[i]));
  if (a.empty()) return 1.0;
  const std::size_t k = std::min(a.size() - 1, std::size_t(0.99 * double(a.size())));
  std::nth_element(a.begin(), a.begin() + std::ptrdiff_t(k), a.end());
  const double s = a[k];
  return s > 0 && std::isfinite(s) ? s : 1.0;
}

// s = P99(|AᴴWb ⊘ AᴴWA1|) over pixels the data sees; `given_den`: AᴴWA1 when the caller has it.
double data_scale(const LinearOperator& A, const Image& b, const Image& W, const Image& given_den) {
  const Space ran = A.range();
  Image wb = physics::as_contiguous_f32(b).clone();
  for (std::int64_t i = 0; i < wb.size(); ++i) {
    const float w = W.empty() ? 1.f : W.data<float>()[i];
    wb.data<float>()[i] *= w;
  }
  Image den;
  if (!given_den.empty()) {
    if (!A.domain().matches(given_den)) throw std::invalid_argument("reconstruct: normal_of_ones does not match the image");
    den = physics::as_contiguous_f32(given_den);
  } else {
    Image w1 = ran.allocate();
    Image ones = A.domain().allocate();
    vec::fill(ones, 1.0);
    A.apply_into(ones, w1);
    for (std::int64_t i = 0; i < w1.size(); ++i) w1.data<float>()[i] *= W.empty() ? 1.f : W.data<float>()[i];
    den = A.adjoint(w1);
  }
  Image num = A.adjoint(wb);
  double dmax = 0;
  for (std::int64_t i = 0; i < den.size(); ++i) dmax = std::max(dmax, double(den.data<float>()[i]));
  std::vector<char> seen(std::size_t(num.size()), 0);
  for (std::int64_t i = 0; i < num.size(); ++i) {
    const double d = den.data<float>()[i];
    seen[std::size_t(i)] = d > 1e-6 * dmax;
    num.data<float>()[i] = seen[std::size_t(i)] ? float(double(num.data<float>()[i]) / d) : 0.f;
  }
  return dmax > 0 ? robust_scale(num, &seen) : 1.0;
}

Image scaled(const Image& im, double factor) {
  if (im.empty()) return {};
  Image c = physics::as_contiguous_f32(im).clone();
  float* p = c.data<float>();
  for (std::int64_t i = 0; i < c.size(); ++i) p[i] = float(double(p[i]) * factor);
  return c;
}

// f×f block means (sizes divisible by f).
Image block_mean(const Image& im, const Space& coarse, std::int64_t f) {
  if (im.empty() || f == 1) return im;
  const Image src = physics::as_contiguous_f32(im);
  Image out = coarse.allocate();
  const std::int64_t nx = src.nx();
  for (std::int64_t j = 0; j < coarse.ny; ++j)
    for (std::int64_t i = 0; i < coarse.nx; ++i) {
      double s = 0;
      for (std::int64_t b = 0; b < f; ++b)
        for (std::int64_t a = 0; a < f; ++a) s += src.data<float>()[(j * f + b) * nx + i * f + a];
      out.data<float>()[j * coarse.nx + i] = float(s / double(f * f));
    }
  return out;
}

Space coarse_space(const Space& fine, std::int64_t f) {
  Space s = fine;
  s.nx = fine.nx / f, s.ny = fine.ny / f;
  s.spacing = {fine.spacing[0] * double(f), fine.spacing[1] * double(f)};
  // Same centre as the fine grid: each coarse pixel is the centre of its f×f block.
  for (int a = 0; a < 2; ++a) s.origin[a] = fine.origin[a] + 0.5 * double(f - 1) * fine.spacing[a];
  return s;
}

int total_planes(const ReconstructionSpec& s) {
  int planes = 1;
  for (const auto& p : s.priors) planes += p.prior->aux_planes();
  return planes;
}

// One grid: operator, data (scaled), maps, β/γ factor.
struct Level {
  std::shared_ptr<const LinearOperator> A;
  Image b, W, x_prior, guide, beta_map;
  double gamma = 0, factor = 1;
};

AdmmProblem build(const ReconstructionSpec& s, const Level& L, Space* variable_out) {
  const Space image = L.A->domain();
  Space variable = image;
  variable.ny = image.ny * total_planes(s);
  AdmmProblem P;
  P.A = on_planes(L.A, variable, image, 0);
  P.b = L.b;
  P.W = L.W;
  if (L.gamma > 0) P.quadratic.push_back({plane_selector(variable, image, 0, 1), L.x_prior, L.gamma, {}});
  int aux = 1;
  for (const auto& wp : s.priors) {
    PriorContext ctx;
    ctx.image = image;
    ctx.variable = variable;
    ctx.first_aux_plane = aux;
    ctx.beta_map = L.beta_map;
    ctx.guide = L.guide;
    wp.prior->contribute(ctx, wp.beta * L.factor, P);
    aux += wp.prior->aux_planes();
  }
  if (s.nonnegative) P.terms.push_back({plane_selector(variable, image, 0, 1), std::make_shared<NonNegativePrior>(), 1.0});
  if (variable_out) *variable_out = variable;
  return P;
}

Level finest_level(const ReconstructionSpec& s) {
  Level L;
  L.A = s.A;
  L.b = physics::as_contiguous_f32(s.b);
  L.W = s.W.empty() ? Image{} : physics::as_contiguous_f32(s.W);
  L.x_prior = s.x_prior.empty() ? Image{} : physics::as_contiguous_f32(s.x_prior);
  L.guide = s.guide.empty() ? Image{} : physics::as_contiguous_f32(s.guide);
  L.beta_map = s.beta_map.empty() ? Image{} : physics::as_contiguous_f32(s.beta_map);
  L.gamma = s.gamma;
  return L;
}

std::int64_t floats_of(const AdmmProblem& P, const Space& variable) {
  const std::int64_t n = variable.floats(), m = P.A->range().floats();
  // x, rhs0, rhs, xt, acc, D0, D1, pcg×4, x0, plane copy, tracked N x and N p; b, W, ar, tracked
  // A x and A p + spec copies
  std::int64_t total = 15 * n + 8 * m;
  for (const auto& t : P.terms) {
    const std::int64_t r = t.K ? t.K->range().floats() : n;
    total += 5 * r + (t.prior->weight_map().empty() ? 0 : t.prior->weight_map().size());
  }
  for (const auto& q : P.quadratic) {
    const std::int64_t r = q.K ? q.K->range().floats() : n;
    total += r + (q.target.empty() ? 0 : r) + (q.W.empty() ? 0 : r);
  }
  return total;
}

// Replicates each coarse pixel of plane 0 onto its 2×2 fine block (a warm start).
Image upsample2(const Image& coarse_x, const Space& coarse, const Space& fine_variable, const Space& fine) {
  Image v = fine_variable.allocate();
  float* out = v.data<float>();
  const float* in = coarse_x.data<float>();
  for (std::int64_t j = 0; j < fine.ny; ++j)
    for (std::int64_t i = 0; i < fine.nx; ++i) out[j * fine.nx + i] = in[(j / 2) * coarse.nx + i / 2];
  return v;
}

}  // namespace

std::int64_t available_memory_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("MemAvailable:", 0) == 0) {
      std::istringstream in(line.substr(13));
      std::int64_t kb = 0;
      if (in >> kb) return kb * 1024;
    }
  }
  const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? std::int64_t(pages) * std::int64_t(page) : 0;
}

AdmmProblem build_problem(const ReconstructionSpec& spec, Space* variable) {
  check_spec(spec);
  return build(spec, finest_level(spec), variable);
}

std::int64_t estimate_bytes(const ReconstructionSpec& spec) {
  Space variable;
  const AdmmProblem P = build_problem(spec, &variable);
  return 4 * floats_of(P, variable);
}

ReconstructionResult reconstruct(const ReconstructionSpec& spec) {
  check_spec(spec);
  ReconstructionResult res;
  res.estimated_bytes = estimate_bytes(spec);
  const std::int64_t limit = spec.memory_limit_bytes > 0 ? spec.memory_limit_bytes : available_memory_bytes();
  if (limit > 0 && res.estimated_bytes > limit)
    throw std::runtime_error("reconstruct: the problem needs about " + std::to_string(res.estimated_bytes) +
                             " bytes (" + std::to_string(res.estimated_bytes >> 20) + " MiB) but only " +
                             std::to_string(limit) + " bytes (" + std::to_string(limit >> 20) + " MiB) are available");

  Level fine = finest_level(spec);
  if (spec.scale_data) {
    res.data_scale = data_scale(*spec.A, fine.b, fine.W, spec.normal_of_ones);
    const double inv = 1.0 / res.data_scale;
    fine.b = scaled(fine.b, inv);
    fine.x_prior = scaled(fine.x_prior, inv);
    if (!fine.guide.empty()) fine.guide = scaled(fine.guide, 1.0 / robust_scale(fine.guide));
  }
  const Space image = spec.A->domain();

  Image warm;  // variable-shaped x0 for the next level
  Space warm_space;
  for (int l = spec.multires_levels - 1; l >= 0; --l) {
    const std::int64_t f = std::int64_t{1} << l;
    Level L = fine;
    if (l > 0) {
      const Space cs = coarse_space(image, f);
      L.A = spec.make_operator(cs);
      if (!L.A || !(L.A->domain() == cs) || !(L.A->range() == spec.A->range()))
        throw std::invalid_argument("reconstruct: make_operator(" + cs.describe() +
                                    ") must return an operator from that grid to the measurement's space");
      L.x_prior = block_mean(fine.x_prior, cs, f);
      L.guide = block_mean(fine.guide, cs, f);
      L.beta_map = block_mean(fine.beta_map, cs, f);
    }
    L.factor = double(f * f);
    L.gamma = fine.gamma * L.factor;
    Space variable;
    const AdmmProblem P = build(spec, L, &variable);
    AdmmOptions o = spec.admm;
    // The circulant preconditioner models one image plane; TGV's stacked variable has more.
    if (total_planes(spec) > 1) o.circulant_preconditioner = false;
    const Space level_image = L.A->domain();
    if (!warm.empty()) {
      o.x0 = upsample2(warm, warm_space, variable, level_image);
    } else if (!o.x0.empty()) {
      if (!image.matches(o.x0) || l > 0) throw std::invalid_argument("reconstruct: admm.x0 must match the image (single grid)");
      Image v = variable.allocate();
      vec::assign(scaled(o.x0, 1.0 / res.data_scale), plane_view(v, image, 0, 1));
      o.x0 = v;
    } else if (spec.warm_start_from_prior && !L.x_prior.empty()) {
      Image v = variable.allocate();
      vec::assign(L.x_prior, plane_view(v, level_image, 0, 1));
      o.x0 = v;
    }
    if (!spec.reference.empty() && l == 0) {
      if (!image.matches(spec.reference)) throw std::invalid_argument("reconstruct: the reference does not match the image");
      o.reference = scaled(spec.reference, 1.0 / res.data_scale);
    } else {
      o.reference = Image{};
    }
    AdmmResult r = spec.device == Device::CPU ? admm(P, o) : admm(problem_on(P, spec.device), o);
    r.x = physics::to_device(r.x, Device::CPU);
    warm = plane_view(r.x, level_image, 0, 1).clone();
    warm_space = level_image;
    if (l > 0) res.coarse.push_back(std::move(r));
    else res.stats = std::move(r);
  }
  res.x = image.allocate();
  vec::assign(scaled(warm, res.data_scale), res.x);
  if (spec.residual_map) res.residual_map = data_residual_map(*spec.A, res.x, spec.b, spec.W);
  return res;
}

}  // namespace mirflow::ir
