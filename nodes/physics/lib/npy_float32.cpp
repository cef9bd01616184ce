#include "npy_float32.hpp"

#include <bit>
#include <cstring>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <string>

#include <mirflow/error.hpp>

namespace mirflow::physics::detail {

static_assert(std::endian::native == std::endian::little, "the .npy code assumes a little-endian host");

NpyHeader read_npy_header(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(name + ": cannot open the file");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw InputError(name + ": not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  std::uint32_t hlen = 0;
  std::size_t prefix = 0;
  if (major == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) throw InputError(name + ": truncated .npy header");
    hlen = b[0] | (b[1] << 8);
    prefix = 10;
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) throw InputError(name + ": truncated .npy header");
    hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
    prefix = 12;
  } else {
    throw InputError(name + ": unsupported .npy version " + std::to_string(major));
  }
  if (hlen > (1u << 20)) throw InputError(name + ": implausible .npy header length");
  std::string h(hlen, '\0');
  if (!in.read(h.data(), hlen)) throw InputError(name + ": truncated .npy header");
  std::smatch m;
  if (!std::regex_search(h, m, std::regex(R"('descr'\s*:\s*'([^']*)')")))
    throw InputError(name + ": .npy header without 'descr'");
  const std::string descr = m[1];
  if (descr != "<f4")
    throw InputError(name + ": a sinogram must be float32 ('<f4'), this array is '" + descr + "'");
  if (!std::regex_search(h, m, std::regex(R"('fortran_order'\s*:\s*(True|False))")))
    throw InputError(name + ": .npy header without 'fortran_order'");
  if (m[1] == "True") throw InputError(name + ": a sinogram must be stored in C order (fortran_order is True)");
  if (!std::regex_search(h, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))"))) throw InputError(name + ": .npy header without 'shape'");
  std::vector<std::int64_t> dims;
  const std::string shape = m[1];
  const std::regex number(R"(\d+)");
  for (auto it = std::sregex_iterator(shape.begin(), shape.end(), number); it != std::sregex_iterator(); ++it)
    dims.push_back(std::stoll(it->str()));
  if (dims.size() != 2)
    throw InputError(name + ": a sinogram must be a 2-D array (views, bins), this one has shape (" + shape + ")");
  NpyHeader hd;
  hd.rows = dims[0], hd.cols = dims[1];
  hd.data_offset = prefix + hlen;
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  const auto need = hd.data_offset + std::size_t(hd.rows * hd.cols) * sizeof(float);
  if (ec || size < need)
    throw InputError(name + ": truncated: the header announces " + std::to_string(hd.rows) + "×" + std::to_string(hd.cols) +
                     " float32 values (" + std::to_string(need) + " bytes) but the file has " + std::to_string(size) + " bytes");
  return hd;
}

std::vector<float> read_npy_f32(const std::filesystem::path& file, NpyHeader* header) {
  const NpyHeader h = read_npy_header(file);
  std::vector<float> v(std::size_t(h.rows * h.cols));
  std::ifstream in(file, std::ios::binary);
  in.seekg(std::streamoff(h.data_offset));
  if (!in.read(reinterpret_cast<char*>(v.data()), std::streamsize(v.size() * sizeof(float))))
    throw InputError(file.string() + ": could not read the array data");
  if (header) *header = h;
  return v;
}

void write_npy_f32(const std::filesystem::path& file, const float* data, std::int64_t rows, std::int64_t cols) {
  std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " + std::to_string(cols) + "), }";
  // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in '\n'.
  const std::size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h.push_back('\n');
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(file.string() + ": cannot open for writing");
  const char pre[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.write(pre, 8);
  const unsigned char len[2] = {static_cast<unsigned char>(h.size() & 0xff), static_cast<unsigned char>(h.size() >> 8)};
  out.write(reinterpret_cast<const char*>(len), 2);
  out.write(h.data(), std::streamsize(h.size()));
  out.write(reinterpret_cast<const char*>(data), std::streamsize(std::size_t(rows * cols) * sizeof(float)));
  out.flush();
  if (!out) throw std::runtime_error(file.string() + ": write failed");
}

}  // namespace mirflow::physics::detail
