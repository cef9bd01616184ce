#include "mirflow_imgproc/rician_vst.hpp"

#include <algorithm>
#include <cmath>

#include "mirflow_imgproc/rician.hpp"

namespace mirflow::imgproc {
namespace {

constexpr double kZStep = 0.01, kZMax = 70.0;        // the forward table
constexpr double kThetaStep = 0.05, kThetaMax = 50.0;  // the moment tables
constexpr double kHalfWidth = 9.0;  // the Rice density is below e^{-40} beyond θ ± 9 (σ = 1)
constexpr int kRounds = 100;

// Linear interpolation of a table sampled at i·step, clamped to its ends.
double lookup(const std::vector<double>& t, double step, double x) {
  if (!(x > 0)) return t.front();
  const double u = x / step;
  const std::size_t i = static_cast<std::size_t>(u);
  if (i + 1 >= t.size()) return t.back();
  const double w = u - double(i);
  return (1 - w) * t[i] + w * t[i + 1];
}

// The Rice density of every table z for one θ, over the z range where it matters, normalised to
// a unit trapezoid sum (so moments of any f come out exact for f = 1).
struct Density {
  std::size_t first = 0;
  std::vector<double> w;  // trapezoid weights × density, summing to 1
};

std::vector<Density> densities(std::size_t nz, std::size_t ntheta) {
  std::vector<Density> out(ntheta);
  for (std::size_t j = 0; j < ntheta; ++j) {
    const double theta = double(j) * kThetaStep;
    const double lo = std::max(0.0, theta - kHalfWidth), hi = std::min(kZMax, theta + kHalfWidth);
    Density& d = out[j];
    d.first = static_cast<std::size_t>(lo / kZStep);
    const std::size_t last = std::min(nz - 1, static_cast<std::size_t>(hi / kZStep) + 1);
    double total = 0;
    for (std::size_t i = d.first; i <= last; ++i) {
      const double edge = (i == d.first || i == last) ? 0.5 : 1.0;
      d.w.push_back(edge * rician_pdf(double(i) * kZStep, theta));
      total += d.w.back();
    }
    for (double& v : d.w) v /= total;
  }
  return out;
}

void moments(const std::vector<Density>& dens, const std::vector<double>& f, std::vector<double>& mean,
             std::vector<double>& sd) {
  for (std::size_t j = 0; j < dens.size(); ++j) {
    double m = 0, m2 = 0;
    const Density& d = dens[j];
    for (std::size_t k = 0; k < d.w.size(); ++k) {
      const double v = f[d.first + k];
      m += d.w[k] * v;
      m2 += d.w[k] * v * v;
    }
    mean[j] = m;
    sd[j] = std::sqrt(std::max(m2 - m * m, 0.0));
  }
}

// θ whose tabulated value is y in an increasing table (0 below its start).
double invert_increasing(const std::vector<double>& t, double step, double y) {
  if (!(y > t.front())) return 0.0;
  if (y >= t.back()) return double(t.size() - 1) * step + (y - t.back());  // slope 1 beyond the table
  const auto hi = std::upper_bound(t.begin(), t.end(), y);
  const std::size_t i = std::size_t(hi - t.begin());
  return (double(i - 1) + (y - t[i - 1]) / (t[i] - t[i - 1])) * step;
}

}  // namespace

const RicianVst& RicianVst::get() {
  static const RicianVst vst;
  return vst;
}

RicianVst::RicianVst() : z_step_(kZStep), theta_step_(kThetaStep) {
  const std::size_t nz = static_cast<std::size_t>(kZMax / kZStep) + 1;
  const std::size_t nt = static_cast<std::size_t>(kThetaMax / kThetaStep) + 1;
  const std::vector<Density> dens = densities(nz, nt);

  std::vector<double> slope(nz);  // f′, starting from the conventional VST
  for (std::size_t i = 0; i < nz; ++i)
    slope[i] = 1.0 / std::sqrt(rician_variance_ratio(rician_mean_ratio_inverse(double(i) * kZStep)));
  f_.assign(nz, 0.0);
  auto integrate = [&] {
    for (std::size_t i = 1; i < nz; ++i) f_[i] = f_[i - 1] + 0.5 * (slope[i] + slope[i - 1]) * kZStep;
  };
  integrate();
  expected_.assign(nt, 0.0);
  std_.assign(nt, 0.0);
  for (int round = 0; round < kRounds; ++round) {
    moments(dens, f_, expected_, std_);
    for (std::size_t i = 0; i < nz; ++i) {
      const double theta = invert_increasing(expected_, kThetaStep, f_[i]);
      slope[i] /= lookup(std_, kThetaStep, theta);
    }
    integrate();
  }
  moments(dens, f_, expected_, std_);
}

double RicianVst::forward(double z) const {
  const double zmax = double(f_.size() - 1) * z_step_;
  if (z >= zmax) return f_.back() + (z - zmax);
  return lookup(f_, z_step_, z);
}

double RicianVst::inverse(double d) const { return invert_increasing(expected_, theta_step_, d); }

double RicianVst::expected(double theta) const {
  const double tmax = double(expected_.size() - 1) * theta_step_;
  if (theta >= tmax) return expected_.back() + (theta - tmax);
  return lookup(expected_, theta_step_, theta);
}

double RicianVst::stabilised_std(double theta) const {
  return theta >= double(std_.size() - 1) * theta_step_ ? std_.back() : lookup(std_, theta_step_, theta);
}

}  // namespace mirflow::imgproc
