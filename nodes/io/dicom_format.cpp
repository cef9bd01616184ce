#include "dicom_format.hpp"
#include "world.hpp"

#include <gdcmAnonymizer.h>
#include <gdcmDataElement.h>
#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmImageWriter.h>
#include <gdcmPhotometricInterpretation.h>
#include <gdcmPixelFormat.h>
#include <gdcmReader.h>
#include <gdcmStringFilter.h>
#include <gdcmTrace.h>
#include <gdcmTransferSyntax.h>
#include <gdcmUIDGenerator.h>
#include <gdcmWriter.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <sstream>
#include <vector>

#include "mirflow/atomic_file.hpp"
#include "mirflow/error.hpp"

namespace mirflow::io {

namespace fs = std::filesystem;

namespace {

void quiet_gdcm() {
  static std::once_flag once;
  std::call_once(once, [] {
    gdcm::Trace::SetDebug(false);
    gdcm::Trace::SetWarning(false);
    gdcm::Trace::SetError(false);
  });
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && s[b] == ' ') ++b;
  return s.substr(b);
}

// The metadata keys taken from the top-level data set: (tag, keyword).
struct NamedTag {
  std::uint16_t group, element;
  const char* keyword;
};
constexpr NamedTag kTags[] = {
    {0x0008, 0x0060, "Modality"},         {0x0010, 0x0020, "PatientID"},
    {0x0010, 0x0010, "PatientName"},      {0x0010, 0x0030, "PatientBirthDate"},
    {0x0010, 0x0040, "PatientSex"},       {0x0020, 0x000D, "StudyInstanceUID"},
    {0x0020, 0x000E, "SeriesInstanceUID"}, {0x0008, 0x0018, "SOPInstanceUID"},
    {0x0008, 0x103E, "SeriesDescription"}, {0x0018, 0x0015, "BodyPartExamined"},
    {0x0008, 0x1030, "StudyDescription"}, {0x0008, 0x0020, "StudyDate"},
    {0x0020, 0x0010, "StudyID"},          {0x0008, 0x0050, "AccessionNumber"},
    {0x0020, 0x0052, "FrameOfReferenceUID"}, {0x0028, 0x1053, "RescaleSlope"},
    {0x0028, 0x1052, "RescaleIntercept"}, {0x0028, 0x1050, "WindowCenter"},
    {0x0028, 0x1051, "WindowWidth"},      {0x0028, 0x0004, "PhotometricInterpretation"},
};

// What one file gave: its pixels (stored values), geometry, rescale and identifiers.
struct Slice {
  fs::path file;
  Image image;  // stored values, dtype as stored
  double slope = 1.0, intercept = 0.0;
  bool has_position = false;
  std::array<double, 3> position{0, 0, 0};
  std::array<double, 6> orientation{1, 0, 0, 0, 1, 0};
  std::array<double, 3> spacing{1, 1, 1};
  Metadata meta;
};

[[noreturn]] void fail(const fs::path& file, const std::string& why) {
  throw InputError("cannot read DICOM file " + file.string() + ": " + why);
}

bool parse_first_ds(const std::string& s, double* out) {
  const std::string first = trim(s.substr(0, s.find('\\')));
  if (first.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(first.c_str(), &end);
  if (end == first.c_str() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

std::array<double, 3> cross(const std::array<double, 6>& o) {
  return {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
}

Slice finish_slice(Slice s, const fs::path& file, const gdcm::ImageReader& reader, const gdcm::Image& gi);

// Debian's GDCM is built with assertions: some malformed files (and a few valid ones) abort
// the process inside gdcm::Reader or gdcm::Image. So the file is first parsed and decoded by
// GDCM in a forked child; a child killed by a signal means GDCM cannot read it in-process. This
// doubles the decoding work.
template <class Read>
bool survives(Read read) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return true;  // cannot fork: read in-process
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 2);
    read();
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return !WIFSIGNALED(status);
}

// Whether gdcm::ImageReader parses and decodes the file (or `bytes`, when not empty) without aborting.
bool image_reader_survives(const fs::path& file, const std::string& bytes) {
  return survives([&] {
    gdcm::ImageReader r;
    std::istringstream in(bytes);
    if (bytes.empty()) r.SetFileName(file.c_str());
    else r.SetStream(in);
    if (r.Read()) {
      const gdcm::Image& gi = r.GetImage();
      std::vector<char> buf(gi.GetBufferLength());
      gi.GetBuffer(buf.data());
    }
  });
}

// Whether the plain gdcm::Reader (data set only, no image) parses the file without aborting.
bool reader_survives(const fs::path& file) {
  return survives([&] {
    gdcm::Reader r;
    r.SetFileName(file.c_str());
    r.Read();
  });
}

// GDCM 3.0 asserts on multi-frame objects (RT Dose) that omit NumberOfFrames (0028,0008), a
// type 1 attribute. Such a file holds one frame: the file is rewritten in memory with
// NumberOfFrames = 1, as pydicom and dcmtk read it. Empty when the repair does not apply.
std::string with_number_of_frames(const fs::path& file) {
  gdcm::Reader r;
  r.SetFileName(file.c_str());
  if (!r.Read()) return {};
  gdcm::DataSet& ds = r.GetFile().GetDataSet();
  const gdcm::Tag frames(0x0028, 0x0008);
  if (ds.FindDataElement(frames) || !ds.FindDataElement(gdcm::Tag(0x7fe0, 0x0010))) return {};
  gdcm::DataElement de(frames);
  de.SetVR(gdcm::VR::IS);
  const std::string one = "1 ";  // IS values have even length
  de.SetByteValue(one.data(), static_cast<std::uint32_t>(one.size()));
  ds.Insert(de);
  std::ostringstream out;
  gdcm::Writer w;
  w.SetFile(r.GetFile());
  w.SetStream(out);
  return w.Write() ? out.str() : std::string();
}

// Grey levels (MONOCHROME1/2) or three-sample colour (RGB and the YBR family), which pydicom
// returns as stored, or palette indices (made RGB by apply_palette); anything else is refused by name.
void check_colour_model(const fs::path& file, const gdcm::PhotometricInterpretation& pi, int spp) {
  using PI = gdcm::PhotometricInterpretation;
  const char* name = pi.GetString();
  const std::string what = "PhotometricInterpretation " + trim(name ? name : "unknown") + ", " +
                           std::to_string(spp) + " samples per pixel";
  const bool grey = spp == 1 && (pi == PI::MONOCHROME1 || pi == PI::MONOCHROME2 || pi == PI::PALETTE_COLOR);
  const bool colour = spp == 3 && (pi == PI::RGB || pi == PI::YBR_FULL || pi == PI::YBR_FULL_422 ||
                                   pi == PI::YBR_PARTIAL_422 || pi == PI::YBR_PARTIAL_420 || pi == PI::YBR_ICT ||
                                   pi == PI::YBR_RCT);
  if (!grey && !colour) fail(file, "unsupported colour model (" + what + ")");
}

// Palette colour: each stored index goes through the red, green and blue tables (PS3.3
// C.7.6.3.1.5), giving RGB as pydicom's apply_color_lut does. Written here rather than with
// GDCM's ImageApplyLookupTable, which aborts on tables whose first mapped value is not 0 and
// narrows 16-bit entries to 8 bits for 8-bit indices. A descriptor is (entries, first index,
// bits per entry), entries 0 meaning 65536; an index below the first takes the first entry,
// one past the end the last. Entries sit in 16-bit words, or in bytes for 8-bit tables whose
// data holds one byte per entry.
Image apply_palette(const Image& indices, const gdcm::File& f, const fs::path& file) {
  const gdcm::DataSet& ds = f.GetDataSet();
  if (f.GetHeader().GetDataSetTransferSyntax() == gdcm::TransferSyntax::ExplicitVRBigEndian)
    fail(file, "palette colour in big-endian files is not supported");
  if (ds.FindDataElement(gdcm::Tag(0x0028, 0x1221)))
    fail(file, "segmented palette colour lookup tables are not supported");
  gdcm::StringFilter sf;
  sf.SetFile(f);
  struct Table {
    std::int64_t first = 0;
    std::vector<std::uint16_t> entries;
  };
  Table t[3];
  int bits = 16;
  for (std::uint16_t k = 0; k < 3; ++k) {
    const gdcm::Tag desc(0x0028, static_cast<std::uint16_t>(0x1101 + k)), data(0x0028, static_cast<std::uint16_t>(0x1201 + k));
    if (!ds.FindDataElement(desc) || !ds.FindDataElement(data) || !ds.GetDataElement(data).GetByteValue())
      fail(file, "palette colour without its lookup tables (0028,1101-1103 and 0028,1201-1203)");
    std::vector<double> d;
    const std::string text = sf.ToString(desc);
    for (std::size_t b = 0; b <= text.size();) {
      std::size_t e = text.find('\\', b);
      if (e == std::string::npos) e = text.size();
      double x = 0;
      if (parse_first_ds(text.substr(b, e - b), &x)) d.push_back(x);
      b = e + 1;
    }
    if (d.size() != 3 || (d[2] != 8 && d[2] != 16)) fail(file, "malformed palette colour lookup table descriptor '" + text + "'");
    const std::size_t n = d[0] == 0 ? 65536 : static_cast<std::size_t>(d[0]);
    bits = static_cast<int>(d[2]);
    // The first mapped value is US or SS as the pixels are; an unsigned 16-bit read of a
    // negative first value wraps, so it is folded back for signed pixels.
    t[k].first = static_cast<std::int64_t>(d[1]);
    if (indices.dtype() == DType::I16 && t[k].first > 32767) t[k].first -= 65536;
    const gdcm::ByteValue* bv = ds.GetDataElement(data).GetByteValue();
    const auto* raw = reinterpret_cast<const unsigned char*>(bv->GetPointer());
    const std::size_t len = bv->GetLength();
    t[k].entries.resize(n);
    if (bits == 8 && (len == n || len == n + 1))
      for (std::size_t i = 0; i < n; ++i) t[k].entries[i] = raw[i];
    else if (len >= 2 * n)
      for (std::size_t i = 0; i < n; ++i) t[k].entries[i] = static_cast<std::uint16_t>(raw[2 * i] | (raw[2 * i + 1] << 8));
    else
      fail(file, "palette colour lookup table data holds " + std::to_string(len) + " bytes for " + std::to_string(n) + " entries");
  }
  bool narrow = bits == 8;  // 8-bit entries, unless a table stored in words holds more
  for (const Table& tk : t)
    for (std::uint16_t e : tk.entries) narrow = narrow && e <= 255;
  Image rgb = Image::allocate(narrow ? DType::U8 : DType::U16, indices.shape(), indices.ndim(), Device::CPU, 3);
  for (std::int64_t z = 0; z < indices.nz(); ++z)
    for (std::int64_t y = 0; y < indices.ny(); ++y)
      for (std::int64_t x = 0; x < indices.nx(); ++x) {
        const auto v = static_cast<std::int64_t>(indices.value(x, y, z));
        for (int c = 0; c < 3; ++c) {
          const auto n = static_cast<std::int64_t>(t[c].entries.size());
          const std::int64_t i = std::clamp<std::int64_t>(v - t[c].first, 0, n - 1);
          rgb.set_value(x, y, z, t[c].entries[static_cast<std::size_t>(i)], c);
        }
      }
  return rgb;
}

// GDCM 3.0 puts the bytes of multi-byte RLE colour in the wrong places. An RLE frame holds one
// segment per byte of each sample, sample-major, most significant byte first: segment
// c·B + b is byte b (from the top) of sample c, with B bytes per value. GDCM reads the segments
// as if byte-major (segment 3·b + c) and lays each pixel out least significant byte first:
// pixel byte 3·(B − 1 − b) + c holds segment 3·b + c. This undoes that, giving little-endian
// samples; found on random 16-bit data encoded by pydicom and checked on every RLE colour
// file pydicom ships (tests/nodes/io/test_dicom.cpp).
void reorder_rle_colour_bytes(std::vector<char>& buf, std::size_t value_bytes) {
  const std::size_t B = value_bytes, pixel = 3 * B;
  std::vector<char> px(pixel);
  for (std::size_t p = 0; p + pixel <= buf.size(); p += pixel) {
    std::memcpy(px.data(), buf.data() + p, pixel);
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t b = 0; b < B; ++b) {
        const std::size_t segment = c * B + b;
        const std::size_t at = 3 * (B - 1 - segment / 3) + segment % 3;
        buf[p + c * B + (B - 1 - b)] = px[at];
      }
  }
}

// Planar colour (each frame: every sample 0, then every sample 1, ...) to interleaved pixels.
void interleave_planes(std::vector<char>& buf, std::size_t value_bytes, std::int64_t plane, std::int64_t frames,
                       int spp) {
  std::vector<char> out(buf.size());
  const std::size_t frame_bytes = static_cast<std::size_t>(plane) * static_cast<std::size_t>(spp) * value_bytes;
  for (std::int64_t f = 0; f < frames; ++f) {
    const char* src = buf.data() + static_cast<std::size_t>(f) * frame_bytes;
    char* dst = out.data() + static_cast<std::size_t>(f) * frame_bytes;
    for (int c = 0; c < spp; ++c)
      for (std::int64_t i = 0; i < plane; ++i)
        std::memcpy(dst + (static_cast<std::size_t>(i) * static_cast<std::size_t>(spp) + static_cast<std::size_t>(c)) * value_bytes,
                    src + (static_cast<std::size_t>(c) * static_cast<std::size_t>(plane) + static_cast<std::size_t>(i)) * value_bytes,
                    value_bytes);
  }
  buf.swap(out);
}

// GDCM 3.0's image reader aborts on some palette colour files (a table whose first mapped
// value is not 0). Such a file is rewritten in memory as MONOCHROME2 without its tables, so
// GDCM decodes the indices, and apply_palette maps them with the tables of the original.
// Empty when the file is not palette colour.
std::string without_palette(const fs::path& file) {
  gdcm::Reader r;
  r.SetFileName(file.c_str());
  if (!r.Read()) return {};
  gdcm::DataSet& ds = r.GetFile().GetDataSet();
  gdcm::StringFilter sf;
  sf.SetFile(r.GetFile());
  const gdcm::Tag model(0x0028, 0x0004);
  if (!ds.FindDataElement(model) || trim(sf.ToString(model)) != "PALETTE COLOR") return {};
  for (std::uint16_t e : {0x1101, 0x1102, 0x1103, 0x1199, 0x1201, 0x1202, 0x1203, 0x1221, 0x1222, 0x1223})
    ds.Remove(gdcm::Tag(0x0028, e));
  gdcm::DataElement pi(model);
  pi.SetVR(gdcm::VR::CS);
  const std::string grey = "MONOCHROME2 ";  // even length
  pi.SetByteValue(grey.data(), static_cast<std::uint32_t>(grey.size()));
  ds.Replace(pi);
  std::ostringstream out;
  gdcm::Writer w;
  w.SetFile(r.GetFile());
  w.SetStream(out);
  return w.Write() ? out.str() : std::string();
}

Slice read_slice(const fs::path& file) {
  quiet_gdcm();
  std::string repaired;
  bool palette_stripped = false;
  if (!image_reader_survives(file, {})) {
    // The repairs, each tried only when the plain data set parses and the one before did not help.
    const bool parses = reader_survives(file);
    if (parses) repaired = with_number_of_frames(file);
    if (parses && (repaired.empty() || !image_reader_survives(file, repaired))) {
      repaired = without_palette(file);
      palette_stripped = !repaired.empty();
    }
    if (repaired.empty() || !image_reader_survives(file, repaired))
      fail(file, "GDCM aborted while parsing it: malformed, or a layout GDCM mishandles");
  }
  gdcm::ImageReader reader;
  std::istringstream repaired_in(repaired);
  if (repaired.empty()) reader.SetFileName(file.c_str());
  else reader.SetStream(repaired_in);
  if (!reader.Read()) fail(file, "GDCM could not parse it as a DICOM image (not DICOM, truncated, no pixel data, or malformed)");
  const gdcm::Image& gi = reader.GetImage();
  const gdcm::PixelFormat& pf = gi.GetPixelFormat();
  const gdcm::PhotometricInterpretation& pi = gi.GetPhotometricInterpretation();
  const int spp = static_cast<int>(pf.GetSamplesPerPixel());
  check_colour_model(file, pi, spp);
  const unsigned nd = gi.GetNumberOfDimensions();
  const std::int64_t nx = gi.GetDimension(0), ny = gi.GetDimension(1), nz = nd > 2 ? gi.GetDimension(2) : 1;
  if (nx <= 0 || ny <= 0 || nz <= 0) fail(file, "empty image (" + std::to_string(nx) + "x" + std::to_string(ny) + ")");
  const std::size_t len = gi.GetBufferLength();
  const std::size_t count = static_cast<std::size_t>(nx * ny * nz) * static_cast<std::size_t>(spp);  // values
  if (pf.GetBitsAllocated() == 1 && spp == 1 && len == (count + 7) / 8) {
    // 1-bit (segmentation-like) data: unpacked, first pixel in the lowest bit, to uint8 0/1.
    std::vector<char> bits(len);
    if (!gi.GetBuffer(bits.data())) fail(file, "GDCM could not decode the 1-bit pixel data");
    Slice s1;
    s1.image = Image::allocate(DType::U8, {nx, ny, nz}, nz > 1 ? 3 : 2);
    std::uint8_t* d = s1.image.data<std::uint8_t>();
    for (std::size_t i = 0; i < count; ++i) d[i] = (static_cast<unsigned char>(bits[i / 8]) >> (i % 8)) & 1u;
    return finish_slice(std::move(s1), file, reader, gi);
  }
  if (len == 0 || len % count != 0)
    fail(file, "unsupported pixel layout (" + std::to_string(pf.GetBitsAllocated()) + " bits allocated)");
  std::vector<char> buf(len);
  if (!gi.GetBuffer(buf.data()))
    fail(file, std::string("GDCM could not decode the pixel data (transfer syntax ") +
                   gi.GetTransferSyntax().GetString() + "; truncated or unsupported)");
  const std::size_t bytes = len / count;
  if (bytes == 4 && gi.GetTransferSyntax() == gdcm::TransferSyntax::ExplicitVRBigEndian)
    // GDCM 3.0 byte-swaps big-endian pixel data as 16-bit words (OW): each 32-bit value arrives
    // with its two halves in big-endian order. Swap them back (checked against pydicom).
    for (std::size_t i = 0; i < len; i += 4) {
      std::swap(buf[i], buf[i + 2]);
      std::swap(buf[i + 1], buf[i + 3]);
    }
  if (spp == 3 && bytes > 1 && gi.GetTransferSyntax() == gdcm::TransferSyntax::RLELossless)
    reorder_rle_colour_bytes(buf, bytes);
  // Colour planes (PlanarConfiguration 1: all red, then all green, then all blue, per frame)
  // become interleaved pixels, the layout of Image.
  if (spp > 1 && gi.GetPlanarConfiguration() == 1) interleave_planes(buf, bytes, nx * ny, nz, spp);
  const bool is_signed = pf.GetPixelRepresentation() == 1;
  Slice s;
  s.file = file;
  const int ndim = nz > 1 ? 3 : 2;
  auto fill = [&](auto src_tag, DType out) {
    using S = decltype(src_tag);
    s.image = Image::allocate(out, {nx, ny, nz}, ndim, Device::CPU, spp);
    const S* src = reinterpret_cast<const S*>(buf.data());
    dispatch_dtype(out, [&](auto dst_tag) {
      using D = decltype(dst_tag);
      D* d = s.image.data<D>();
      for (std::size_t i = 0; i < count; ++i) d[i] = static_cast<D>(src[i]);
    });
  };
  if (bytes == 1) {
    if (is_signed) fill(std::int8_t{}, DType::I16);
    else fill(std::uint8_t{}, DType::U8);
  } else if (bytes == 2) {
    if (is_signed) fill(std::int16_t{}, DType::I16);
    else fill(std::uint16_t{}, DType::U16);
  } else if (bytes == 4) {
    if (is_signed) {
      fill(std::int32_t{}, DType::I32);
    } else {
      const std::uint32_t* src = reinterpret_cast<const std::uint32_t*>(buf.data());
      const bool fits = std::all_of(src, src + count, [](std::uint32_t v) {
        return v <= static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max());
      });
      if (fits) fill(std::uint32_t{}, DType::I32);
      else fill(std::uint32_t{}, DType::F64);
    }
  } else {
    fail(file, "unsupported pixel size (" + std::to_string(bytes) + " bytes per pixel)");
  }
  // Signed data with fewer bits stored than allocated: sign-extended from the stored high bit
  // (a no-op for well-formed data; JPEG 2000 streams may hold the unsigned pattern).
  const unsigned stored_bits = pf.GetBitsStored(), alloc_bits = static_cast<unsigned>(bytes * 8);
  if (is_signed && stored_bits > 0 && stored_bits < alloc_bits && (bytes == 2 || bytes == 4)) {
    const unsigned shift = alloc_bits - stored_bits;
    if (bytes == 2) {
      std::int16_t* d = s.image.data<std::int16_t>();
      for (std::size_t i = 0; i < count; ++i)
        d[i] = static_cast<std::int16_t>(static_cast<std::int16_t>(static_cast<std::uint16_t>(d[i]) << shift) >> shift);
    } else {
      std::int32_t* d = s.image.data<std::int32_t>();
      for (std::size_t i = 0; i < count; ++i)
        d[i] = static_cast<std::int32_t>(static_cast<std::uint32_t>(d[i]) << shift) >> shift;
    }
  }
  if (!palette_stripped && gi.GetPhotometricInterpretation() != gdcm::PhotometricInterpretation::PALETTE_COLOR)
    return finish_slice(std::move(s), file, reader, gi);
  if (palette_stripped) {
    gdcm::Reader original;  // the tables are in the file, not in the stripped copy
    original.SetFileName(file.c_str());
    if (!original.Read()) fail(file, "GDCM could not read its palette colour lookup tables");
    s.image = apply_palette(s.image, original.GetFile(), file);
  } else {
    s.image = apply_palette(s.image, reader.GetFile(), file);
  }
  Slice rgb = finish_slice(std::move(s), file, reader, gi);
  rgb.meta["dicom.PhotometricInterpretation"] = "RGB";  // what the pixels are now
  return rgb;
}

Slice finish_slice(Slice s, const fs::path& file, const gdcm::ImageReader& reader, const gdcm::Image& gi) {
  s.file = file;
  const gdcm::PhotometricInterpretation& pi = gi.GetPhotometricInterpretation();
  const gdcm::DataSet& ds = reader.GetFile().GetDataSet();
  gdcm::StringFilter sf;
  sf.SetFile(reader.GetFile());
  for (const auto& t : kTags) {
    const gdcm::Tag tag(t.group, t.element);
    if (!ds.FindDataElement(tag) || ds.GetDataElement(tag).IsEmpty()) continue;
    std::string v = trim(sf.ToString(tag));
    if (!v.empty()) s.meta[std::string("dicom.") + t.keyword] = v;
  }
  s.meta["dicom.TransferSyntaxUID"] = gi.GetTransferSyntax().GetString() ? gi.GetTransferSyntax().GetString() : "";
  if (!s.meta.count("dicom.PhotometricInterpretation") && pi.GetString())
    s.meta["dicom.PhotometricInterpretation"] = pi.GetString();
  // Rescale: the top-level tags when present (GDCM ignores them for some SOP classes, MR),
  // else what GDCM found (enhanced multi-frame functional groups).
  double v = 0;
  s.slope = s.meta.count("dicom.RescaleSlope") && parse_first_ds(s.meta["dicom.RescaleSlope"], &v) ? v : gi.GetSlope();
  s.intercept = s.meta.count("dicom.RescaleIntercept") && parse_first_ds(s.meta["dicom.RescaleIntercept"], &v)
                    ? v
                    : gi.GetIntercept();
  if (s.slope == 0 || !std::isfinite(s.slope)) s.slope = 1.0;
  if (!std::isfinite(s.intercept)) s.intercept = 0.0;

  s.has_position = ds.FindDataElement(gdcm::Tag(0x0020, 0x0032));
  const double* o = gi.GetOrigin();
  const double* dc = gi.GetDirectionCosines();
  const double* sp = gi.GetSpacing();
  for (int i = 0; i < 3; ++i) s.position[i] = o ? o[i] : 0.0;
  if (dc)
    for (int i = 0; i < 6; ++i) s.orientation[i] = dc[i];
  for (int i = 0; i < 3; ++i) s.spacing[i] = sp && sp[i] > 0 && std::isfinite(sp[i]) ? sp[i] : 1.0;
  // The top-level tags win over GDCM's values: GDCM ignores them for some SOP classes
  // (Secondary Capture); its values remain for enhanced multi-frame functional groups.
  auto ds_list = [&](std::uint16_t gr, std::uint16_t el) {
    std::vector<double> out;
    const gdcm::Tag tag(gr, el);
    if (!ds.FindDataElement(tag) || ds.GetDataElement(tag).IsEmpty()) return out;
    std::string str = sf.ToString(tag);
    for (std::size_t b = 0; b <= str.size();) {
      std::size_t e = str.find('\\', b);
      if (e == std::string::npos) e = str.size();
      double x = 0;
      if (!parse_first_ds(str.substr(b, e - b), &x)) return std::vector<double>{};
      out.push_back(x);
      b = e + 1;
    }
    return out;
  };
  if (auto p = ds_list(0x0020, 0x0032); p.size() == 3) s.position = {p[0], p[1], p[2]};
  if (auto p = ds_list(0x0020, 0x0037); p.size() == 6) std::copy(p.begin(), p.end(), s.orientation.begin());
  if (auto p = ds_list(0x0028, 0x0030); p.size() == 2 && p[0] > 0 && p[1] > 0) {
    s.spacing[0] = p[1];
    s.spacing[1] = p[0];
  }
  // A degenerate orientation (zeros) falls back to the identity.
  const auto n = cross(s.orientation);
  if (std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]) < 1e-6) s.orientation = {1, 0, 0, 0, 1, 0};
  return s;
}

void set_geometry(Image& im, const Slice& first, double dz) {
  Geometry g;
  g.spacing = {first.spacing[0], first.spacing[1], dz};
  g.origin = first.position;
  const auto& r = first.orientation;
  const auto n = cross(r);
  const double nn = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  for (int i = 0; i < 3; ++i) {
    g.direction[i * 3 + 0] = r[i];
    g.direction[i * 3 + 1] = r[3 + i];
    g.direction[i * 3 + 2] = n[i] / nn;
  }
  im.geometry() = g;
}

// The rescale applied (float32) when asked and any slice needs it.
Image finish(Image stored, const std::vector<const Slice*>& slices, const DicomReadOptions& opt) {
  bool needs = false;
  for (const Slice* s : slices) needs = needs || s->slope != 1.0 || s->intercept != 0.0;
  Metadata meta = slices.front()->meta;
  meta["world"] = "LPS";
  // The modality rescale is defined for grey levels only; colour values stay as stored.
  if (!opt.apply_rescale || !needs || stored.components() != 1) {
    meta["dicom.rescale_applied"] = "false";
    stored.metadata() = meta;
    return stored;
  }
  Image out = Image::allocate(DType::F32, stored.shape(), stored.ndim());
  out.geometry() = stored.geometry();
  const std::int64_t plane = stored.nx() * stored.ny();
  const std::int64_t frames_per_slice = stored.nz() / static_cast<std::int64_t>(slices.size());
  float* d = out.data<float>();
  dispatch_dtype(stored.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = stored.data<T>();
    for (std::int64_t z = 0; z < stored.nz(); ++z) {
      const Slice* s = slices[static_cast<std::size_t>(z / frames_per_slice)];
      for (std::int64_t i = z * plane; i < (z + 1) * plane; ++i)
        d[i] = static_cast<float>(static_cast<double>(src[i]) * s->slope + s->intercept);
    }
  });
  meta["dicom.rescale_applied"] = "true";
  out.metadata() = meta;
  return out;
}

}  // namespace

Image read_dicom_file(const fs::path& file, const DicomReadOptions& options) {
  return read_dicom_series({file}, options);
}

std::vector<fs::path> dicom_folder_files(const fs::path& folder) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || name == "DICOMDIR") continue;
    std::error_code fe;
    if (!it->is_regular_file(fe)) continue;
    files.push_back(it->path());
  }
  if (ec) throw InputError("cannot list DICOM folder " + folder.string() + ": " + ec.message());
  if (files.empty()) throw InputError("DICOM folder " + folder.string() + " holds no files");
  std::sort(files.begin(), files.end());
  return files;
}

Image read_dicom_series(const std::vector<fs::path>& files, const DicomReadOptions& options) {
  if (files.empty()) throw InputError("no DICOM files to read");
  std::vector<Slice> all;
  all.reserve(files.size());
  for (const auto& f : files) {
    try {
      all.push_back(read_slice(f));
    } catch (const InputError&) {
      throw;
    } catch (const std::exception& e) {
      fail(f, std::string("GDCM failed: ") + e.what());
    }
  }
  if (all.size() == 1) {
    Slice& s = all.front();
    Image im = s.image;
    set_geometry(im, s, s.spacing[2]);
    return finish(im, {&s}, options);
  }
  const std::string where = files.front().parent_path().string();
  // Group by series.
  std::map<std::string, std::vector<Slice*>> series;
  for (auto& s : all) {
    auto it = s.meta.find("dicom.SeriesInstanceUID");
    series[it == s.meta.end() ? std::string() : it->second].push_back(&s);
  }
  std::vector<Slice*> chosen;
  if (!options.series_uid.empty()) {
    auto it = series.find(options.series_uid);
    if (it == series.end()) {
      std::string msg = "no DICOM series " + options.series_uid + " in " + where + "; it holds:";
      for (const auto& [uid, v] : series) msg += " " + (uid.empty() ? "(no SeriesInstanceUID)" : uid) + " (" + std::to_string(v.size()) + " files)";
      throw InputError(msg);
    }
    chosen = it->second;
  } else if (series.size() > 1) {
    std::string msg = "DICOM files in " + where + " belong to " + std::to_string(series.size()) +
                      " series; choose one with series_uid:";
    for (const auto& [uid, v] : series)
      msg += " " + (uid.empty() ? "(no SeriesInstanceUID)" : uid) + " (" + std::to_string(v.size()) + " files)";
    throw InputError(msg);
  } else {
    chosen = series.begin()->second;
  }
  if (chosen.size() == 1) {
    Slice& s = *chosen.front();
    Image im = s.image;
    set_geometry(im, s, s.spacing[2]);
    return finish(im, {&s}, options);
  }
  const Slice& ref = *chosen.front();
  for (const Slice* s : chosen) {
    if (s->image.nz() != 1)
      throw InputError("DICOM series in " + where + " mixes multi-frame file " + s->file.string() +
                       " with other files; read it on its own");
    if (s->image.nx() != ref.image.nx() || s->image.ny() != ref.image.ny() ||
        s->image.components() != ref.image.components())
      throw InputError("DICOM series in " + where + ": " + s->file.string() + " is " + s->image.describe() + ", " +
                       ref.file.string() + " is " + ref.image.describe());
    if (!s->has_position)
      throw InputError("DICOM series in " + where + ": " + s->file.string() +
                       " has no ImagePositionPatient, so the slices cannot be ordered");
    for (int i = 0; i < 6; ++i)
      if (std::abs(s->orientation[i] - ref.orientation[i]) > 1e-4)
        throw InputError("DICOM series in " + where + ": " + s->file.string() +
                         " has another ImageOrientationPatient than " + ref.file.string());
  }
  const auto n = cross(ref.orientation);
  auto along = [&](const Slice* s) { return s->position[0] * n[0] + s->position[1] * n[1] + s->position[2] * n[2]; };
  std::stable_sort(chosen.begin(), chosen.end(), [&](const Slice* a, const Slice* b) { return along(a) < along(b); });
  std::vector<double> gaps;
  for (std::size_t i = 1; i < chosen.size(); ++i) gaps.push_back(along(chosen[i]) - along(chosen[i - 1]));
  const double mean = std::accumulate(gaps.begin(), gaps.end(), 0.0) / static_cast<double>(gaps.size());
  for (std::size_t i = 0; i < gaps.size(); ++i) {
    if (gaps[i] < 1e-6)
      throw InputError("DICOM series in " + where + ": " + chosen[i]->file.string() + " and " +
                       chosen[i + 1]->file.string() + " have the same slice position");
    if (std::abs(gaps[i] - mean) > 0.01 * mean + 1e-4)
      throw InputError("DICOM series in " + where + " has irregular slice spacing: " + std::to_string(gaps[i]) +
                       " mm between " + chosen[i]->file.string() + " and " + chosen[i + 1]->file.string() +
                       ", mean " + std::to_string(mean) + " mm");
  }
  // Common stored type: the first slice's, unless another differs (then int32 or float64).
  DType dt = ref.image.dtype();
  for (const Slice* s : chosen)
    if (s->image.dtype() != dt) dt = (dt == DType::F64 || s->image.dtype() == DType::F64) ? DType::F64 : DType::I32;
  const std::int64_t nx = ref.image.nx(), ny = ref.image.ny(), nz = static_cast<std::int64_t>(chosen.size());
  const int nc = ref.image.components();
  Image vol = Image::allocate(dt, {nx, ny, nz}, 3, Device::CPU, nc);
  const std::int64_t plane = nx * ny * nc;
  for (std::int64_t z = 0; z < nz; ++z) {
    const Image& src = chosen[static_cast<std::size_t>(z)]->image;
    if (src.dtype() == dt) {
      std::memcpy(static_cast<char*>(vol.raw()) + static_cast<std::size_t>(z * plane) * dtype_size(dt), src.raw(),
                  src.bytes());
    } else {
      for (std::int64_t y = 0; y < ny; ++y)
        for (std::int64_t x = 0; x < nx; ++x)
          for (int c = 0; c < nc; ++c) vol.set_value(x, y, z, src.value(x, y, 0, c), c);
    }
  }
  set_geometry(vol, *chosen.front(), mean);
  std::vector<const Slice*> cs(chosen.begin(), chosen.end());
  return finish(vol, cs, options);
}

// ---- writing ---------------------------------------------------------------------------

namespace {

std::string ds_string(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.8g", v);
  return buf;
}

std::string meta_or(const Metadata& m, const std::string& key, const std::string& fallback) {
  auto it = m.find(key);
  return it == m.end() || it->second.empty() ? fallback : it->second;
}

std::string join_ds(std::initializer_list<double> v) {
  std::string s;
  for (double x : v) {
    if (!s.empty()) s += '\\';
    s += ds_string(std::abs(x) < 1e-12 ? 0.0 : x);
  }
  return s;
}

}  // namespace

void write_dicom_series(const Image& image, const fs::path& folder, const DicomWriteOptions& options) {
  quiet_gdcm();
  if (image.empty() || image.device() != Device::CPU)
    throw InputError("io.dicom_write needs a CPU image, got " + (image.empty() ? std::string("none") : image.describe()));
  const std::int64_t nx = image.nx(), ny = image.ny(), nz = image.nz();
  if (nx > 65535 || ny > 65535) throw InputError("image too large for DICOM rows/columns: " + image.describe());
  // Colour is written as it is held: three samples per pixel, interleaved, never rescaled.
  const int nc = image.components();
  const bool colour = nc > 1;
  if (colour && (nc != 3 || (image.dtype() != DType::U8 && image.dtype() != DType::U16)))
    throw InputError("io.dicom_write writes colour from 3-component uint8 or uint16 pixels, got " + image.describe());
  const std::string source_model = meta_or(image.metadata(), "dicom.PhotometricInterpretation", "");
  // Decoded YBR_FULL_422 holds a full sample per pixel, so it is written as YBR_FULL.
  const gdcm::PhotometricInterpretation model =
      !colour ? gdcm::PhotometricInterpretation::MONOCHROME2
      : source_model.rfind("YBR_FULL", 0) == 0 ? gdcm::PhotometricInterpretation::YBR_FULL
                                                : gdcm::PhotometricInterpretation::RGB;
  // Storage type and rescale.
  gdcm::PixelFormat::ScalarType st = gdcm::PixelFormat::INT16;
  double slope = 1.0, intercept = 0.0;
  bool direct = false;
  if (image.dtype() == DType::U8) { st = gdcm::PixelFormat::UINT8; direct = true; }
  else if (image.dtype() == DType::I16) { st = gdcm::PixelFormat::INT16; direct = true; }
  else if (image.dtype() == DType::U16) { st = gdcm::PixelFormat::UINT16; direct = true; }
  else {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    bool integral = true;
    for (std::int64_t z = 0; z < nz; ++z)
      for (std::int64_t y = 0; y < ny; ++y)
        for (std::int64_t x = 0; x < nx; ++x) {
          const double v = image.value(x, y, z);
          if (!std::isfinite(v)) throw InputError("io.dicom_write: the image holds NaN or infinite values");
          lo = std::min(lo, v);
          hi = std::max(hi, v);
          integral = integral && v == std::nearbyint(v);
        }
    if (integral && lo >= -32768 && hi <= 32767) st = gdcm::PixelFormat::INT16;
    else if (integral && lo >= 0 && hi <= 65535) st = gdcm::PixelFormat::UINT16;
    else {
      st = gdcm::PixelFormat::INT16;
      // Stored values in [-32760, 32760]; slope and intercept are written as DS text and
      // read back from it, so the quantisation uses exactly what a reader will use.
      slope = std::strtod(ds_string(hi > lo ? (hi - lo) / 65520.0 : 1.0).c_str(), nullptr);
      intercept = std::strtod(ds_string((hi + lo) / 2.0).c_str(), nullptr);
      if (!(slope > 0)) slope = 1.0;
    }
  }
  const Geometry g = geometry_in_world(image, "LPS");  // NIfTI (RAS) input is flipped into LPS
  const std::array<double, 3> row{g.direction[0], g.direction[3], g.direction[6]};
  const std::array<double, 3> col{g.direction[1], g.direction[4], g.direction[7]};
  const std::array<double, 3> nrm{g.direction[2], g.direction[5], g.direction[8]};
  const Metadata& m = image.metadata();
  gdcm::UIDGenerator uid;
  const std::string series_uid = uid.Generate();
  const std::string study_uid = meta_or(m, "dicom.StudyInstanceUID", uid.Generate());
  const std::string frame_uid = meta_or(m, "dicom.FrameOfReferenceUID", uid.Generate());
  const std::string modality = meta_or(m, "dicom.Modality", "OT");
  const char* sop_class = modality == "MR" ? "1.2.840.10008.5.1.4.1.1.4"
                          : modality == "CT" ? "1.2.840.10008.5.1.4.1.1.2"
                                             : "1.2.840.10008.5.1.4.1.1.7";
  std::vector<std::unique_ptr<AtomicFile>> outs;
  for (std::int64_t z = 0; z < nz; ++z) {
    char name[32];
    std::snprintf(name, sizeof name, "IM%04lld.dcm", static_cast<long long>(z + 1));
    outs.push_back(std::make_unique<AtomicFile>(folder / name));
    gdcm::ImageWriter w;
    gdcm::Image& gi = w.GetImage();
    gi.SetNumberOfDimensions(2);
    gi.SetDimension(0, static_cast<unsigned>(nx));
    gi.SetDimension(1, static_cast<unsigned>(ny));
    gdcm::PixelFormat pf(st);
    pf.SetSamplesPerPixel(static_cast<unsigned short>(nc));
    gi.SetPixelFormat(pf);
    gi.SetPhotometricInterpretation(model);
    if (colour) gi.SetPlanarConfiguration(0);
    gi.SetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
    std::vector<char> px(static_cast<std::size_t>(nx * ny * nc) * (st == gdcm::PixelFormat::UINT8 ? 1 : 2));
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x)
        for (int c = 0; c < nc; ++c) {
          const double v = image.value(x, y, z, c);
          const std::size_t i = static_cast<std::size_t>((y * nx + x) * nc + c);
          if (st == gdcm::PixelFormat::UINT8) {
            px[i] = static_cast<char>(static_cast<std::uint8_t>(v));
          } else if (st == gdcm::PixelFormat::UINT16) {
            const std::uint16_t s = static_cast<std::uint16_t>(direct ? v : std::clamp(std::nearbyint(v), 0.0, 65535.0));
            std::memcpy(&px[2 * i], &s, 2);
          } else {
            const double q = direct ? v : std::clamp(std::nearbyint((v - intercept) / slope), -32768.0, 32767.0);
            const std::int16_t s = static_cast<std::int16_t>(q);
            std::memcpy(&px[2 * i], &s, 2);
          }
        }
    gdcm::DataElement pixeldata(gdcm::Tag(0x7fe0, 0x0010));
    pixeldata.SetByteValue(px.data(), static_cast<std::uint32_t>(px.size()));
    gi.SetDataElement(pixeldata);
    double origin[3];
    for (int i = 0; i < 3; ++i) origin[i] = g.origin[i] + nrm[i] * g.spacing[2] * static_cast<double>(z);
    for (unsigned i = 0; i < 3; ++i) gi.SetOrigin(i, origin[i]);  // SetOrigin(double*) copies only 2 for a 2-D image
    const double dc[6] = {row[0], row[1], row[2], col[0], col[1], col[2]};
    gi.SetDirectionCosines(dc);
    gi.SetSpacing(0, g.spacing[0]);
    gi.SetSpacing(1, g.spacing[1]);
    gi.SetSpacing(2, g.spacing[2]);
    gi.SetIntercept(intercept);
    gi.SetSlope(slope);

    gdcm::Anonymizer a;
    a.SetFile(w.GetFile());
    auto put = [&](std::uint16_t gr, std::uint16_t el, const std::string& v) { a.Replace(gdcm::Tag(gr, el), v.c_str()); };
    put(0x0008, 0x0016, sop_class);
    put(0x0008, 0x0018, uid.Generate());
    put(0x0008, 0x0008, "DERIVED\\SECONDARY");
    put(0x0008, 0x0060, modality);
    put(0x0020, 0x000D, study_uid);
    put(0x0020, 0x000E, series_uid);
    put(0x0020, 0x0052, frame_uid);
    put(0x0020, 0x0011, "999");
    put(0x0020, 0x0013, std::to_string(z + 1));
    put(0x0008, 0x103E, options.series_description);
    put(0x0008, 0x2111, options.derivation);
    put(0x0010, 0x0010, meta_or(m, "dicom.PatientName", ""));
    put(0x0010, 0x0020, meta_or(m, "dicom.PatientID", ""));
    for (const auto& [key, gr, el] : {std::tuple{"dicom.PatientBirthDate", 0x0010, 0x0030},
                                      std::tuple{"dicom.PatientSex", 0x0010, 0x0040},
                                      std::tuple{"dicom.StudyDate", 0x0008, 0x0020},
                                      std::tuple{"dicom.StudyID", 0x0020, 0x0010},
                                      std::tuple{"dicom.StudyDescription", 0x0008, 0x1030},
                                      std::tuple{"dicom.AccessionNumber", 0x0008, 0x0050},
                                      std::tuple{"dicom.BodyPartExamined", 0x0018, 0x0015}})
      if (m.count(key)) put(static_cast<std::uint16_t>(gr), static_cast<std::uint16_t>(el), m.at(key));
    put(0x0020, 0x0032, join_ds({origin[0], origin[1], origin[2]}));
    put(0x0020, 0x0037, join_ds({dc[0], dc[1], dc[2], dc[3], dc[4], dc[5]}));
    put(0x0028, 0x0030, join_ds({g.spacing[1], g.spacing[0]}));
    put(0x0018, 0x0050, ds_string(g.spacing[2]));
    if (!colour) {  // the modality rescale is defined for grey levels only
      put(0x0028, 0x1052, ds_string(intercept));
      put(0x0028, 0x1053, ds_string(slope));
      put(0x0028, 0x1054, modality == "CT" ? "HU" : "US");
    }
    w.SetFileName(outs.back()->temp_path().c_str());
    if (!w.Write()) throw std::runtime_error("GDCM could not write " + (folder / name).string());
  }
  for (auto& o : outs) o->commit();
}

}  // namespace mirflow::io
