#pragma once
// Helpers of the metrics tests: raw float64 images shared with the Python references.
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <mirflow/image.hpp>

namespace mirflow::metrics::mtest {

// A float64 image from a raw file written by numpy (x fastest); ndim 3 when nz > 1.
inline Image read_raw(const std::filesystem::path& p, std::int64_t nx, std::int64_t ny, std::int64_t nz = 1) {
  Image im = nz > 1 ? Image::allocate3d(DType::F64, nx, ny, nz) : Image::allocate2d(DType::F64, nx, ny);
  std::ifstream in(p, std::ios::binary);
  in.read(reinterpret_cast<char*>(im.data<double>()), std::streamsize(im.bytes()));
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return im;
}

inline void write_raw(const std::filesystem::path& p, const Image& im) {
  const Image c = im.astype(DType::F64);
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(c.data<double>()), std::streamsize(c.bytes()));
}

// The Python scripts next to this file.
inline std::filesystem::path script(const char* name) {
  return std::filesystem::path(__FILE__).parent_path() / name;
}

}  // namespace mirflow::metrics::mtest
