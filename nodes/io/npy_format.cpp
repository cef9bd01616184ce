#include "npy_format.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <stdexcept>

#include "image_rows.hpp"
#include "mirflow/error.hpp"

namespace mirflow::io {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;

// ---- the header dict: a Python literal, parsed just far enough ----------------------------------
class DictParser {
 public:
  explicit DictParser(std::string_view s) : s_(s) {}

  NpyHeader parse() {
    bool have_descr = false, have_order = false, have_shape = false;
    std::string descr;
    NpyHeader h;
    expect('{');
    for (;;) {
      skip_ws();
      if (peek() == '}') break;
      const std::string key = string_literal();
      expect(':');
      skip_ws();
      if (key == "descr") {
        if (peek() == '[') fail("structured dtypes (a list 'descr') are not supported");
        descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        h.shape = tuple();
        have_shape = true;
      } else {
        skip_value();
      }
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_ws();
      if (peek() != '}') fail("expected ',' or '}' after the value of '" + key + "'");
    }
    if (!have_descr) fail("the header has no 'descr'");
    if (!have_order) fail("the header has no 'fortran_order'");
    if (!have_shape) fail("the header has no 'shape'");
    set_dtype(descr, h);
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const { throw std::invalid_argument(why); }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_ws() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  void expect(char c) {
    skip_ws();
    if (peek() != c) fail(std::string("expected '") + c + "' in the header dict");
    ++pos_;
  }
  std::string string_literal() {
    skip_ws();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string in the header dict");
    const std::size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string in the header dict");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.substr(pos_, 4) == "True") return pos_ += 4, true;
    if (s_.substr(pos_, 5) == "False") return pos_ += 5, false;
    fail("'fortran_order' must be True or False");
  }
  std::vector<std::int64_t> tuple() {
    if (peek() != '(') fail("'shape' must be a tuple");
    ++pos_;
    std::vector<std::int64_t> dims;
    for (;;) {
      skip_ws();
      if (peek() == ')') {
        ++pos_;
        return dims;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("'shape' must hold non-negative integers");
      std::int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (v > (std::numeric_limits<std::int64_t>::max() - 9) / 10) fail("a 'shape' entry is too large");
        v = v * 10 + (s_[pos_++] - '0');
      }
      if (peek() == 'L') ++pos_;  // Python 2 long literals
      dims.push_back(v);
      skip_ws();
      if (peek() == ',')
        ++pos_;
      else if (peek() != ')')
        fail("expected ',' or ')' in 'shape'");
    }
  }
  void skip_value() {  // an unknown key's value: anything up to the next top-level ',' or '}'
    int depth = 0;
    for (; pos_ < s_.size(); ++pos_) {
      const char c = s_[pos_];
      if (c == '\'' || c == '"') {
        const std::size_t end = s_.find(c, pos_ + 1);
        if (end == std::string_view::npos) fail("unterminated string in the header dict");
        pos_ = end;
      } else if (c == '(' || c == '[' || c == '{') {
        ++depth;
      } else if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) return;
        --depth;
      } else if (c == ',' && depth == 0) {
        return;
      }
    }
  }
  static void set_dtype(const std::string& descr, NpyHeader& h) {
    const std::string supported = " (supported: uint8, int16, uint16, int32, float32, float64)";
    if (descr.size() < 3) throw std::invalid_argument("unsupported dtype '" + descr + "'" + supported);
    const char order = descr[0];
    const std::string kind = descr.substr(1);
    if (order != '<' && order != '>' && order != '|' && order != '=')
      throw std::invalid_argument("unsupported dtype '" + descr + "'" + supported);
    if (kind == "u1")
      h.dtype = DType::U8;
    else if (kind == "i2")
      h.dtype = DType::I16;
    else if (kind == "u2")
      h.dtype = DType::U16;
    else if (kind == "i4")
      h.dtype = DType::I32;
    else if (kind == "f4")
      h.dtype = DType::F32;
    else if (kind == "f8")
      h.dtype = DType::F64;
    else
      throw std::invalid_argument("unsupported dtype '" + descr + "'" + supported);
    h.big_endian = order == '>' || (order == '=' && std::endian::native == std::endian::big);
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

[[noreturn]] void bad(const fs::path& file, const std::string& why) { throw InputError(file.string() + ": " + why); }

void swap_bytes(unsigned char* p, std::size_t elem) { std::reverse(p, p + elem); }

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};

}  // namespace

NpyHeader parse_npy_header(std::string_view dict) { return DictParser(dict).parse(); }

Image read_npy(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) bad(file, std::string("cannot open: ") + std::strerror(errno));
  std::error_code ec;
  const auto file_size = fs::file_size(file, ec);
  if (ec) bad(file, "cannot stat: " + ec.message());

  std::array<char, kMagicLen + 2> pre{};
  if (!in.read(pre.data(), pre.size())) bad(file, "truncated: shorter than the 10-byte .npy preamble");
  if (std::memcmp(pre.data(), kMagic, kMagicLen) != 0) bad(file, "not a .npy file (bad magic string)");
  const int major = static_cast<unsigned char>(pre[kMagicLen]);
  const int minor = static_cast<unsigned char>(pre[kMagicLen + 1]);
  if (major < 1 || major > 3)
    bad(file, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                  " (supported: 1.0, 2.0, 3.0)");
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  std::array<unsigned char, 4> lb{};
  if (!in.read(reinterpret_cast<char*>(lb.data()), static_cast<std::streamsize>(len_bytes)))
    bad(file, "truncated: the header length is missing");
  std::uint64_t header_len = 0;
  for (std::size_t i = len_bytes; i-- > 0;) header_len = (header_len << 8) | lb[i];  // little endian
  const std::uint64_t data_offset = kMagicLen + 2 + len_bytes + header_len;
  if (data_offset > file_size) bad(file, "truncated: the header is cut short");
  std::string dict(static_cast<std::size_t>(header_len), '\0');
  if (!in.read(dict.data(), static_cast<std::streamsize>(header_len))) bad(file, "truncated: the header is cut short");

  NpyHeader h;
  try {
    h = parse_npy_header(dict);
  } catch (const std::invalid_argument& e) {
    bad(file, std::string("bad .npy header: ") + e.what());
  }
  const std::size_t nd = h.shape.size();
  if (nd != 2 && nd != 3)
    bad(file, "the array has " + std::to_string(nd) + " dimensions; images need 2 (ny, nx) or 3 (nz, ny, nx)");
  std::uint64_t count = 1;
  for (auto d : h.shape) {
    if (d <= 0) bad(file, "the array is empty (a dimension is 0)");
    if (d > (std::int64_t{1} << 40) || count > (std::uint64_t{1} << 50) / static_cast<std::uint64_t>(d))
      bad(file, "the array is implausibly large");
    count *= static_cast<std::uint64_t>(d);
  }
  const std::size_t elem = dtype_size(h.dtype);
  const std::uint64_t data_bytes = count * elem;
  if (file_size - data_offset < data_bytes)
    bad(file, "truncated: the header promises " + std::to_string(data_bytes) + " bytes of data, the file holds " +
                  std::to_string(file_size - data_offset));

  Image img = nd == 2 ? Image::allocate2d(h.dtype, h.shape[1], h.shape[0])
                      : Image::allocate3d(h.dtype, h.shape[2], h.shape[1], h.shape[0]);
  auto* dst = static_cast<unsigned char*>(img.raw());
  const bool swap = elem > 1 && h.big_endian != (std::endian::native == std::endian::big);
  if (!swap && !h.fortran_order) {
    if (!in.read(reinterpret_cast<char*>(dst), static_cast<std::streamsize>(data_bytes)))
      bad(file, "truncated: the data is cut short");
    return img;
  }

  // Stream through a small staging buffer, swapping bytes and/or scattering from Fortran order
  // (first axis fastest) to C order (last axis fastest).
  std::array<std::uint64_t, 3> cstride{};
  std::uint64_t s = 1;
  for (std::size_t k = nd; k-- > 0;) cstride[k] = s, s *= static_cast<std::uint64_t>(h.shape[k]);
  std::array<std::int64_t, 3> idx{0, 0, 0};
  std::uint64_t dest = 0;  // C-order index of idx, kept in step with it
  const std::uint64_t chunk_elems = std::max<std::uint64_t>(1, (std::uint64_t{1} << 20) / elem);
  std::vector<unsigned char> buf(static_cast<std::size_t>(std::min(count, chunk_elems) * elem));
  for (std::uint64_t done = 0; done < count;) {
    const std::uint64_t n = std::min(chunk_elems, count - done);
    if (!in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(n * elem)))
      bad(file, "truncated: the data is cut short");
    for (std::uint64_t i = 0; i < n; ++i) {
      unsigned char* e = buf.data() + i * elem;
      if (swap) swap_bytes(e, elem);
      if (!h.fortran_order) {
        std::memcpy(dst + (done + i) * elem, e, elem);
        continue;
      }
      std::memcpy(dst + dest * elem, e, elem);
      for (std::size_t k = 0; k < nd; ++k) {  // next index, first axis fastest
        dest += cstride[k];
        if (++idx[k] < h.shape[k]) break;
        dest -= cstride[k] * static_cast<std::uint64_t>(h.shape[k]);
        idx[k] = 0;
      }
    }
    done += n;
  }
  return img;
}

void write_npy(const Image& image, const fs::path& file) {
  if (image.empty()) throw InputError(file.string() + ": cannot write an empty image");
  if (image.device() != Device::CPU)
    throw InputError(file.string() + ": the image is on " + device_name(image.device()) + "; .npy needs a CPU image");
  if (image.ndim() != 2 && image.ndim() != 3)
    throw InputError(file.string() + ": .npy writes 2-D or 3-D images, got " + image.describe());

  const std::size_t elem = dtype_size(image.dtype());
  const char order = elem == 1 ? '|' : (std::endian::native == std::endian::little ? '<' : '>');
  const char* kind = "";
  switch (image.dtype()) {
    case DType::U8:
      kind = "u1";
      break;
    case DType::I16:
      kind = "i2";
      break;
    case DType::U16:
      kind = "u2";
      break;
    case DType::I32:
      kind = "i4";
      break;
    case DType::F32:
      kind = "f4";
      break;
    case DType::F64:
      kind = "f8";
      break;
  }
  std::string shape = "(";
  if (image.ndim() == 3) shape.append(std::to_string(image.nz())).append(", ");
  shape.append(std::to_string(image.ny())).append(", ").append(std::to_string(image.nx()));
  if (image.components() > 1) shape.append(", ").append(std::to_string(image.components()));  // channels last
  shape.append(")");
  std::string dict = std::string("{'descr': '") + order + kind + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces and end in '\n' so that the data starts on a 64-byte boundary, as NumPy does.
  const bool v2 = dict.size() + 1 + kMagicLen + 4 > 65535;
  const std::size_t pre = kMagicLen + 2 + (v2 ? 4 : 2);
  const std::size_t total = (pre + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - pre - dict.size() - 1, ' ');
  dict.push_back('\n');

  std::string head(kMagic, kMagicLen);
  head.push_back(static_cast<char>(v2 ? 2 : 1));
  head.push_back(0);
  for (std::size_t i = 0; i < (v2 ? 4u : 2u); ++i) head.push_back(static_cast<char>((dict.size() >> (8 * i)) & 0xff));
  head += dict;

  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(file.c_str(), "wb"));
  if (!f) throw std::runtime_error(file.string() + ": cannot create: " + std::strerror(errno));
  bool ok = std::fwrite(head.data(), 1, head.size(), f.get()) == head.size();
  for_each_row(image, [&](const void* p, std::size_t n) {
    if (ok) ok = std::fwrite(p, 1, n, f.get()) == n;
  });
  const int err = errno;
  if (std::fclose(f.release()) != 0 || !ok)
    throw std::runtime_error(file.string() + ": write failed: " + std::strerror(ok ? errno : err));
}

}  // namespace mirflow::io
