#pragma once
// Helpers shared by the physics and ir tests: random signed images, the adjoint identity,
// PSNR, and raw float32 files for the Python references.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "mirflow_physics/operator.hpp"

namespace mirflow::physics::ptest {

// Uniform in [−1, 1] (every float of the image, both parts of complex pixels).
inline Image random_image(const Space& s, std::uint32_t seed) {
  Image im = s.allocate();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  float* p = im.data<float>();
  for (std::int64_t i = 0; i < im.size(); ++i) p[i] = u(rng);
  return im;
}

inline double norm(const Image& a) { return std::sqrt(dot(a, a)); }

// |<Ax, y> − <x, Aᴴy>| / (‖Ax‖·‖y‖) for random signed x and y (dot products in double).
inline double adjoint_mismatch(const LinearOperator& A, std::uint32_t seed) {
  const Image x = random_image(A.domain(), seed), y = random_image(A.range(), seed + 1000);
  const Image ax = A.apply(x), aty = A.adjoint(y);
  const double lhs = dot(ax, y), rhs = dot(x, aty);
  return std::abs(lhs - rhs) / (norm(ax) * norm(y));
}

inline double mse(const Image& a, const Image& b, std::int64_t margin = 0) {
  double s = 0;
  std::int64_t n = 0;
  for (std::int64_t y = margin; y < a.ny() - margin; ++y)
    for (std::int64_t x = margin; x < a.nx() - margin; ++x, ++n) {
      const double d = a.value(x, y) - b.value(x, y);
      s += d * d;
    }
  return s / double(n);
}

inline double psnr(const Image& ref, const Image& test, double range) { return 10.0 * std::log10(range * range / mse(ref, test)); }

inline void write_raw(const std::filesystem::path& p, const Image& im) {
  const Image c = as_contiguous_f32(im);
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(c.data<float>()), std::streamsize(c.bytes()));
}

inline Image read_raw(const std::filesystem::path& p, std::int64_t nx, std::int64_t ny) {
  Image im = Image::allocate2d(DType::F32, nx, ny);
  std::ifstream in(p, std::ios::binary);
  in.read(reinterpret_cast<char*>(im.data<float>()), std::streamsize(im.bytes()));
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return im;
}

}  // namespace mirflow::physics::ptest
