#include "mirflow_ir/neighbour_prior.hpp"

#include <array>
#include <cmath>
#include <stdexcept>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

namespace mirflow::ir {

namespace {

// The four "forward" neighbours of a pixel (the other four are the backward pairs of others):
// right, down, down-right, down-left.
struct Offset {
  std::int64_t di, dj;
  double weight;
};
const std::array<Offset, 4> kForward{{{1, 0, 1.0}, {0, 1, 1.0}, {1, 1, M_SQRT1_2}, {-1, 1, M_SQRT1_2}}};

bool inside(std::int64_t i, std::int64_t j, std::int64_t nx, std::int64_t ny) { return i >= 0 && i < nx && j >= 0 && j < ny; }

}  // namespace

NeighbourPrior::NeighbourPrior(EdgePotential potential, double scale, std::int64_t nx, std::int64_t ny)
    : psi_(potential), s_(scale), nx_(nx), ny_(ny) {
  psi_.validate();
  if (!(scale > 0) || !std::isfinite(scale)) throw std::invalid_argument("NeighbourPrior: scale must be > 0");
  if (nx < 1 || ny < 1) throw std::invalid_argument("NeighbourPrior: empty grid");
}

double NeighbourPrior::value(const float* x) const {
  return tbb::parallel_deterministic_reduce(
      tbb::blocked_range<std::int64_t>(0, ny_, 16), 0.0,
      [&](const tbb::blocked_range<std::int64_t>& r, double acc) {
        for (std::int64_t j = r.begin(); j < r.end(); ++j)
          for (std::int64_t i = 0; i < nx_; ++i)
            for (const Offset& o : kForward)
              if (inside(i + o.di, j + o.dj, nx_, ny_))
                acc += o.weight * psi_.value(s_ * (double(x[j * nx_ + i]) - double(x[(j + o.dj) * nx_ + i + o.di])));
        return acc;
      },
      [](double a, double b) { return a + b; });
}

void NeighbourPrior::gradient(const float* x, float* g) const {
  // Pass 1: the derivative of every forward pair, stored at its first pixel. Pass 2: each pixel
  // adds its forward pairs and subtracts the pairs in which it is the second pixel.
  const std::int64_t n = nx_ * ny_;
  std::vector<float> pair(static_cast<std::size_t>(4 * n), 0.f);
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, ny_), [&](const tbb::blocked_range<std::int64_t>& r) {
    for (std::int64_t j = r.begin(); j < r.end(); ++j)
      for (std::int64_t i = 0; i < nx_; ++i)
        for (std::size_t d = 0; d < kForward.size(); ++d) {
          const Offset& o = kForward[d];
          if (!inside(i + o.di, j + o.dj, nx_, ny_)) continue;
          const double t = s_ * (double(x[j * nx_ + i]) - double(x[(j + o.dj) * nx_ + i + o.di]));
          pair[d * std::size_t(n) + std::size_t(j * nx_ + i)] = float(o.weight * s_ * psi_.derivative(t));
        }
  });
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, ny_), [&](const tbb::blocked_range<std::int64_t>& r) {
    for (std::int64_t j = r.begin(); j < r.end(); ++j)
      for (std::int64_t i = 0; i < nx_; ++i) {
        double acc = 0.0;
        for (std::size_t d = 0; d < kForward.size(); ++d) {
          const Offset& o = kForward[d];
          acc += pair[d * std::size_t(n) + std::size_t(j * nx_ + i)];  // 0 where the pair does not exist
          if (inside(i - o.di, j - o.dj, nx_, ny_)) acc -= pair[d * std::size_t(n) + std::size_t((j - o.dj) * nx_ + i - o.di)];
        }
        g[j * nx_ + i] = float(acc);
      }
  });
}

void NeighbourPrior::curvature_bound(float* d) const {
  for (std::int64_t j = 0; j < ny_; ++j)
    for (std::int64_t i = 0; i < nx_; ++i) {
      double w = 0.0;
      for (const Offset& o : kForward) {
        if (inside(i + o.di, j + o.dj, nx_, ny_)) w += o.weight;
        if (inside(i - o.di, j - o.dj, nx_, ny_)) w += o.weight;
      }
      d[j * nx_ + i] = float(2.0 * s_ * s_ * w);
    }
}

}  // namespace mirflow::ir
