#pragma once
// Helpers shared by the io tests: random images, exact comparison, files cut short, Python.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "mirflow/image.hpp"
#include "test_support.hpp"

namespace mirflow::io::test {

namespace fs = std::filesystem;

inline const std::vector<DType>& all_dtypes() {
  static const std::vector<DType> v{DType::U8, DType::I16, DType::U16, DType::I32, DType::F32, DType::F64};
  return v;
}

// An image of `dtype` filled with seeded random values covering the dtype's range
// (floats: mixed signs and magnitudes).
inline Image random_image(DType dtype, std::array<std::int64_t, 3> shape, int ndim, unsigned seed) {
  Image im = Image::allocate(dtype, shape, ndim);
  std::mt19937_64 rng(seed);
  dispatch_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* d = im.data<T>();
    for (std::int64_t i = 0; i < im.size(); ++i) {
      if constexpr (std::is_floating_point_v<T>) {
        std::uniform_real_distribution<double> u(-1.0, 1.0);
        d[i] = static_cast<T>(u(rng) * std::pow(10.0, static_cast<int>(rng() % 9) - 4));
      } else {
        std::uniform_int_distribution<long long> u(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
        d[i] = static_cast<T>(u(rng));
      }
    }
  });
  return im;
}

// Same dtype, ndim, shape and bytes (both contiguous).
inline ::testing::AssertionResult same_pixels(const Image& a, const Image& b) {
  if (a.dtype() != b.dtype())
    return ::testing::AssertionFailure() << "dtype " << dtype_name(a.dtype()) << " vs " << dtype_name(b.dtype());
  if (a.ndim() != b.ndim() || a.shape() != b.shape() || a.components() != b.components())
    return ::testing::AssertionFailure() << "shape " << a.describe() << " vs " << b.describe();
  if (!a.contiguous() || !b.contiguous()) return ::testing::AssertionFailure() << "not contiguous";
  if (std::memcmp(a.raw(), b.raw(), a.bytes()) != 0) return ::testing::AssertionFailure() << "pixels differ";
  return ::testing::AssertionSuccess();
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Keeps the first `keep` bytes of `from` in `to`.
inline void cut_file(const fs::path& from, const fs::path& to, std::size_t keep) {
  write_file(to, read_file(from).substr(0, keep));
}

// The files in `dir` whose names contain ".part" (AtomicFile's temporaries).
inline std::vector<std::string> part_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".part") != std::string::npos) out.push_back(e.path().filename().string());
  return out;
}

// A shell argument in single quotes (the paths here hold no quotes).
inline std::string shell_quoted(const fs::path& p) {
  std::string s = "'";
  s.append(p.string()).append("'");
  return s;
}

inline bool have_python3() { return fs::exists("/usr/bin/python3"); }

// Runs a Python script (written to dir/name) with arguments; returns its exit status and output.
inline int run_python(const fs::path& dir, const std::string& name, const std::string& script, const std::string& args,
                      std::string* output) {
  write_file(dir / name, script);
  return mirflow::test::run_command(std::string("/usr/bin/python3 ") + shell_quoted(dir / name) + " " + args, output);
}

inline bool python_module_missing(const std::string& output) {
  return output.find("ModuleNotFoundError") != std::string::npos || output.find("No module named") != std::string::npos;
}

}  // namespace mirflow::io::test

// Runs a reference script with /usr/bin/python3 (the caller checked have_python3()): skips the
// test when a module it imports (numpy, nibabel, PIL) is missing, fails it when the script exits
// non-zero. Checking the modules this way costs no extra interpreter start.
#define IO_RUN_PYTHON(dir, name, script, args, out)                                      \
  do {                                                                                   \
    const int io_rc_ = ::mirflow::io::test::run_python(dir, name, script, args, &(out)); \
    if (::mirflow::io::test::python_module_missing(out))                                 \
      GTEST_SKIP() << "a Python module the reference needs is missing: " << (out);       \
    ASSERT_EQ(io_rc_, 0) << (out);                                                       \
  } while (0)

namespace mirflow::io::test {

// Deletes a scratch folder when the test ends well (kept on failure, for a look).
class Scratch {
 public:
  explicit Scratch(const std::string& name) : dir_(mirflow::test::scratch_dir(name)) {}
  ~Scratch() {
    if (!::testing::Test::HasFailure()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }
  const fs::path& dir() const { return dir_; }
  fs::path operator/(const std::string& name) const { return dir_ / name; }

 private:
  fs::path dir_;
};

}  // namespace mirflow::io::test
