#pragma once
// A tiny private reader/writer of 2-D float32 C-order .npy files, for sinogram files only.
// Candidate to share with nodes/io's NPY support once that settles (then this file goes).
#include <cstdint>
#include <filesystem>
#include <vector>

namespace mirflow::physics::detail {

struct NpyHeader {
  std::int64_t rows = 0, cols = 0;
  std::size_t data_offset = 0;
};

// Parses the header; InputError naming the file unless it is a 2-D little-endian float32
// C-order array whose data is all there.
NpyHeader read_npy_header(const std::filesystem::path& file);
// rows × cols floats, row-major.
std::vector<float> read_npy_f32(const std::filesystem::path& file, NpyHeader* header = nullptr);
// Writes a version 1.0 file; throws std::runtime_error naming the file on I/O failure.
void write_npy_f32(const std::filesystem::path& file, const float* data, std::int64_t rows, std::int64_t cols);

}  // namespace mirflow::physics::detail
