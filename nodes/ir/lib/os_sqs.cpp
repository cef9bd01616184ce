#include "mirflow_ir/os_sqs.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include "mirflow_physics/projector.hpp"

namespace mirflow::ir {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Rows m, m + M, … of a views × bins float32 image, as a new contiguous image.
Image take_views(const Image& full, std::int64_t bins, std::int64_t views, int m, int M) {
  const std::int64_t n = (views - m + M - 1) / M;
  Image out = Image::allocate2d(DType::F32, bins, n);
  const Image src = physics::as_contiguous_f32(full);
  for (std::int64_t k = 0; k < n; ++k)
    std::memcpy(out.data<float>() + k * bins, src.data<float>() + (m + k * M) * bins, std::size_t(bins) * sizeof(float));
  return out;
}

// Σ_i ½ w_i r_i² over one subset, with r = A x − y (written into `r`).
double weighted_misfit(const ViewSubset& s, const Image& x, const Image& r) {
  s.A->apply_into(x, r);
  float* rp = r.data<float>();
  const float* y = s.y.data<float>();
  const float* w = s.w.data<float>();
  double acc = 0.0;
  for (std::int64_t i = 0; i < r.size(); ++i) {
    const double d = double(rp[i]) - double(y[i]);
    rp[i] = float(w[i] * d);
    acc += 0.5 * w[i] * d * d;
  }
  return acc;
}

}  // namespace

std::vector<ViewSubset> split_views(const physics::ProjectionGeometry& g, const Image& sinogram, const Image& weights,
                                    int subsets) {
  const std::int64_t views = g.views(), bins = g.bins;
  if (subsets < 1 || subsets > views)
    throw std::invalid_argument("subsets must lie in [1, " + std::to_string(views) + "] (the views), got " + std::to_string(subsets));
  for (const Image* im : {&sinogram, &weights})
    if (im->nx() != bins || im->ny() != views || (im->ndim() == 3 && im->nz() != 1))
      throw std::invalid_argument("split_views: expected " + std::to_string(views) + " views × " + std::to_string(bins) +
                                  " bins, got " + im->describe());
  std::vector<ViewSubset> out;
  for (int m = 0; m < subsets; ++m) {
    physics::ProjectionGeometry sub = g;
    sub.angles_deg.clear();
    for (std::int64_t v = m; v < views; v += subsets) sub.angles_deg.push_back(g.angles_deg[std::size_t(v)]);
    ViewSubset s;
    s.A = physics::make_projector(sub);
    s.y = take_views(sinogram, bins, views, m, subsets);
    s.w = take_views(weights, bins, views, m, subsets);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<int> subset_order(int M) {
  int bits = 0;
  while ((1 << bits) < M) ++bits;
  std::vector<std::pair<int, int>> keyed;  // (bit-reversed index, subset)
  for (int m = 0; m < M; ++m) {
    int r = 0;
    for (int b = 0; b < bits; ++b)
      if (m & (1 << b)) r |= 1 << (bits - 1 - b);
    keyed.emplace_back(r, m);
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<int> order;
  for (const auto& k : keyed) order.push_back(k.second);
  return order;
}

double pwls_objective(const std::vector<ViewSubset>& subsets, const NeighbourPrior* prior, double beta, const Image& x) {
  double phi = 0.0;
  for (const ViewSubset& s : subsets) {
    Image r = s.A->range().allocate();
    phi += weighted_misfit(s, x, r);
  }
  if (prior && beta > 0) phi += beta * prior->value(x.data<float>());
  return phi;
}

PwlsResult pwls_os_sqs(const std::vector<SubsetLevel>& levels, const NeighbourPrior* prior, double beta, const Image& x0,
                       const PwlsOptions& o) {
  if (levels.empty() || levels.front().subsets.empty()) throw std::invalid_argument("pwls_os_sqs: no subsets");
  for (const SubsetLevel& l : levels) {
    if (l.subsets.empty()) throw std::invalid_argument("pwls_os_sqs: a level without subsets");
    if (l.iterations < 0) throw std::invalid_argument("pwls_os_sqs: negative iterations");
  }
  if (!(beta >= 0) || !std::isfinite(beta)) throw std::invalid_argument("pwls_os_sqs: beta must be a finite number ≥ 0");
  const physics::Space space = levels.front().subsets.front().A->domain();
  if (!space.matches(x0)) throw std::invalid_argument("pwls_os_sqs: the start image is " + x0.describe() + ", expected " + space.describe());
  const Clock::time_point t0 = Clock::now();
  const std::int64_t n = space.size();
  const bool use_prior = prior && beta > 0;

  // The surrogate's curvature D = AᵀWA1 + β D_R (pixels no ray sees keep their start value); every
  // level splits the same views, so the first level's subsets give AᵀWA1.
  Image ones = space.allocate(), back = space.allocate();
  std::fill(ones.data<float>(), ones.data<float>() + n, 1.f);
  std::vector<double> D(static_cast<std::size_t>(n), 0.0);
  for (const ViewSubset& s : levels.front().subsets) {
    Image r = s.A->range().allocate();
    s.A->apply_into(ones, r);
    for (std::int64_t i = 0; i < r.size(); ++i) r.data<float>()[i] *= s.w.data<float>()[i];
    s.A->adjoint_into(r, back);
    for (std::int64_t i = 0; i < n; ++i) D[std::size_t(i)] += back.data<float>()[i];
  }
  std::vector<char> seen(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) seen[std::size_t(i)] = D[std::size_t(i)] > 0;
  if (use_prior) {
    std::vector<float> dr(static_cast<std::size_t>(n));
    prior->curvature_bound(dr.data());
    for (std::int64_t i = 0; i < n; ++i) D[std::size_t(i)] += beta * dr[std::size_t(i)];
  }
  PwlsResult result;
  result.setup_seconds = since(t0);

  Image x = physics::as_contiguous_f32(x0).clone(), z = x.clone(), x_new = space.allocate();
  if (o.nonnegative)
    for (std::int64_t i = 0; i < n; ++i) x.data<float>()[i] = z.data<float>()[i] = std::max(x.data<float>()[i], 0.f);
  std::vector<float> gprior(std::size_t(use_prior ? n : 0));
  double objective_seconds = 0.0;  // time spent on Φ is not the solver's
  for (const SubsetLevel& level : levels) {
    const std::vector<ViewSubset>& subsets = level.subsets;
    const int M = int(subsets.size());
    std::vector<Image> resid;
    for (const ViewSubset& s : subsets) resid.push_back(s.A->range().allocate());
    const std::vector<int> order = subset_order(M);
    double t = 1.0;  // momentum restarts with every level: its steps are not the last level's
    std::memcpy(z.data<float>(), x.data<float>(), std::size_t(n) * sizeof(float));
    for (int it = 0; it < level.iterations; ++it) {
      int restarts = 0;
      for (const int m : order) {
        const ViewSubset& s = subsets[std::size_t(m)];
        weighted_misfit(s, z, resid[std::size_t(m)]);
        s.A->adjoint_into(resid[std::size_t(m)], back);
        if (use_prior) prior->gradient(z.data<float>(), gprior.data());
        const float* zp = z.data<float>();
        const float* bp = back.data<float>();
        float* xn = x_new.data<float>();
        for (std::int64_t i = 0; i < n; ++i) {
          if (!seen[std::size_t(i)]) {
            xn[i] = zp[i];
            continue;
          }
          double grad = double(M) * bp[i];
          if (use_prior) grad += beta * gprior[std::size_t(i)];
          double v = zp[i] - grad / D[std::size_t(i)];
          if (o.nonnegative && v < 0) v = 0;
          xn[i] = float(v);
        }
        float* xp = x.data<float>();
        float* zw = z.data<float>();
        if (!o.momentum) {
          std::memcpy(xp, xn, std::size_t(n) * sizeof(float));
          std::memcpy(zw, xn, std::size_t(n) * sizeof(float));
          continue;
        }
        // Restart when the step (x⁺ − z, along −D⁻¹∇) and the momentum direction (x⁺ − x) disagree.
        double agree = 0.0;
        for (std::int64_t i = 0; i < n; ++i) agree += (double(zw[i]) - xn[i]) * (double(xn[i]) - xp[i]);
        double t_next = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t * t));
        if (agree > 0) {
          t = 1.0, t_next = 1.0;
          ++restarts;
        }
        const double c = (t - 1.0) / t_next;
        for (std::int64_t i = 0; i < n; ++i) {
          double v = xn[i] + c * (double(xn[i]) - xp[i]);
          if (o.nonnegative && v < 0) v = 0;
          zw[i] = float(v);
          xp[i] = xn[i];
        }
        t = t_next;
      }
      PwlsIteration rec;
      rec.restarts = restarts;
      rec.subsets = M;
      rec.seconds = since(t0) - objective_seconds;
      rec.objective = std::numeric_limits<double>::quiet_NaN();
      if (o.record_objective) {
        const Clock::time_point t1 = Clock::now();
        rec.objective = pwls_objective(subsets, prior, beta, x);
        objective_seconds += since(t1);
      }
      result.history.push_back(rec);
    }
  }
  result.x = x;
  return result;
}

PwlsResult pwls_os_sqs(const std::vector<ViewSubset>& subsets, const NeighbourPrior* prior, double beta, const Image& x0,
                       const PwlsOptions& o) {
  return pwls_os_sqs(std::vector<SubsetLevel>{{subsets, o.iterations}}, prior, beta, x0, o);
}

}  // namespace mirflow::ir
