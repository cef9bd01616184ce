#pragma once
// NumPy .npy files (format versions 1.0, 2.0 and 3.0).
//
// Hand-written on purpose (see docs/hand-written.md): the one packaged reader, xtensor's
// xnpy.hpp (libxtensor-dev), needs the dtype at compile time, reads only versions 1.0/2.0 and
// does not detect truncated files; cnpy and libnpy are not packaged. The format is small and fully specified in NumPy's
// `numpy/lib/format.py`: a magic string, a version, a little-endian header length, a Python dict
// literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}, then the raw array.
//
// Layout: a C-order array of shape (ny, nx) is a 2-D image nx×ny; shape (nz, ny, nx) is a 3-D
// volume. Fortran-order and big-endian files are reordered while reading. A colour image is
// written with its components as a last axis, (ny, nx, 3) or (nz, ny, nx, 3), as NumPy and
// pydicom hold colour; reading gives scalar images only, since (nz, ny, nx) with nx = 3 could
// be either.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "mirflow/image.hpp"

namespace mirflow::io {

// What the header of a .npy file says.
struct NpyHeader {
  DType dtype = DType::U8;
  bool big_endian = false;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;  // as NumPy writes it: slowest axis first
};

// Parses the header dict text; throws std::invalid_argument with the reason.
NpyHeader parse_npy_header(std::string_view dict);

// Reads a 2-D or 3-D array of uint8/int16/uint16/int32/float32/float64 (either byte order,
// either memory order) into a new image. Throws InputError naming the file and the reason.
Image read_npy(const std::filesystem::path& file);

// Writes `image` (2-D or 3-D, CPU, any dtype) as a C-order, native-byte-order version 1.0
// file (2.0 only when the header would not fit). Throws InputError for images it cannot
// write and std::runtime_error for I/O failures, both naming the file.
void write_npy(const Image& image, const std::filesystem::path& file);

}  // namespace mirflow::io
