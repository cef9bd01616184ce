#pragma once
// Test helpers for the classic baselines: a real image (a crop of the Colin27 T1 template, read
// with nibabel), seeded noise, and scikit-image/numpy references run by /usr/bin/python3.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "plane.hpp"
#include "test_support.hpp"

namespace mirflow::classic::testing {

inline const std::filesystem::path kCh2 = "/usr/share/mricron/templates/ch2.nii.gz";

inline void write_raw(const Plane& p, const std::filesystem::path& file) {
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(p.v.data()), static_cast<std::streamsize>(p.v.size() * sizeof(double)));
}

inline Plane read_raw(const std::filesystem::path& file, std::int64_t nx, std::int64_t ny) {
  Plane p(nx, ny);
  std::ifstream in(file, std::ios::binary);
  in.read(reinterpret_cast<char*>(p.v.data()), static_cast<std::streamsize>(p.v.size() * sizeof(double)));
  EXPECT_EQ(in.gcount(), static_cast<std::streamsize>(p.v.size() * sizeof(double))) << "short read of " << file;
  return p;
}

// Runs a Python snippet with `a` (the input, float64, shape (ny, nx): rows are y) bound; the
// snippet sets `r`, an array of the same shape, which is returned. Fails the test on error.
inline Plane python_apply(const Plane& in, const std::string& snippet, std::int64_t out_nx = -1,
                          std::int64_t out_ny = -1) {
  const std::filesystem::path dir = mirflow::test::scratch_dir("classic_py");
  write_raw(in, dir / "in.raw");
  if (out_nx < 0) out_nx = in.nx;
  if (out_ny < 0) out_ny = in.ny;
  {
    std::ofstream py(dir / "ref.py");
    py << "import numpy as np\n"
       << "a = np.fromfile('" << (dir / "in.raw").string() << "', dtype=np.float64).reshape(" << in.ny << ", "
       << in.nx << ")\n"
       << snippet << "\n"
       << "r = np.ascontiguousarray(np.asarray(r, dtype=np.float64))\n"
       << "assert r.shape == (" << out_ny << ", " << out_nx << "), r.shape\n"
       << "r.tofile('" << (dir / "out.raw").string() << "')\n";
  }
  std::string log;
  EXPECT_EQ(mirflow::test::run_command("/usr/bin/python3 " + (dir / "ref.py").string(), &log), 0) << log;
  return read_raw(dir / "out.raw", out_nx, out_ny);
}

// A double as Python source, exactly (std::to_string rounds to 6 decimals).
inline std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Several snippets in one Python run (interpreter start-up dominates): snippet i sets `r` from
// `a`; the results, all of a's shape, come back in order.
inline std::vector<Plane> python_apply_many(const Plane& in, const std::vector<std::string>& snippets) {
  std::string script = "rs = []\n";
  for (const std::string& s : snippets) script += s + "\nrs.append(np.asarray(r, dtype=np.float64))\n";
  script += "r = np.concatenate(rs)";
  const auto n = static_cast<std::int64_t>(snippets.size());
  const Plane all = python_apply(in, script, in.nx, n * in.ny);
  std::vector<Plane> out;
  for (std::int64_t i = 0; i < n; ++i) {
    Plane p(in.nx, in.ny);
    std::copy_n(all.v.begin() + i * in.size(), in.size(), p.v.begin());
    out.push_back(std::move(p));
  }
  return out;
}

// A w x h crop (top-left x0, y0) of axial slice z of ch2, as float64 (values 0..~170).
inline Plane ch2_crop(std::int64_t z, std::int64_t x0, std::int64_t y0, std::int64_t w, std::int64_t h) {
  const std::filesystem::path dir = mirflow::test::scratch_dir("classic_ch2");
  const std::string cmd = "/usr/bin/python3 -c \"import nibabel as nib, numpy as np; "
                          "v = np.asarray(nib.load('" + kCh2.string() + "').dataobj, dtype=np.float64); "
                          "s = v[:, :, " + std::to_string(z) + "].T; "  // (y, x)
                          "np.ascontiguousarray(s[" + std::to_string(y0) + ":" + std::to_string(y0 + h) + ", " +
                          std::to_string(x0) + ":" + std::to_string(x0 + w) + "]).tofile('" +
                          (dir / "crop.raw").string() + "')\"";
  std::string log;
  EXPECT_EQ(mirflow::test::run_command(cmd, &log), 0) << log;
  return read_raw(dir / "crop.raw", w, h);
}

// Skips the test unless /usr/bin/python3 has every module and the template exists.
#define MIRFLOW_REQUIRE_PYTHON(...)                                                         \
  for (const char* m : {__VA_ARGS__})                                                       \
    if (!mirflow::test::python_has(m)) GTEST_SKIP() << "/usr/bin/python3 lacks " << m;     \
  if (!std::filesystem::exists(mirflow::classic::testing::kCh2)) GTEST_SKIP() << "no " << mirflow::classic::testing::kCh2

// f + σ·N(0, 1), seeded (std::mt19937_64 + std::normal_distribution: the same on every run).
inline Plane add_noise(const Plane& f, double sigma, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  Plane n = f;
  for (double& v : n.v) v += sigma * g(rng);
  return n;
}

inline double max_abs_diff(const Plane& a, const Plane& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.v.size(); ++i) m = std::max(m, std::abs(a.v[i] - b.v[i]));
  return m;
}

// PSNR in dB with the reference's max − min as the peak.
inline double psnr(const Plane& ref, const Plane& x) {
  double lo = ref.v[0], hi = ref.v[0], mse = 0;
  for (std::size_t i = 0; i < ref.v.size(); ++i) {
    lo = std::min(lo, ref.v[i]);
    hi = std::max(hi, ref.v[i]);
    mse += (ref.v[i] - x.v[i]) * (ref.v[i] - x.v[i]);
  }
  mse /= static_cast<double>(ref.v.size());
  return 10.0 * std::log10((hi - lo) * (hi - lo) / mse);
}

}  // namespace mirflow::classic::testing
