#include "nifti_format.hpp"
#include "world.hpp"

#include <nifti1_io.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "image_rows.hpp"
#include "mirflow/error.hpp"

namespace mirflow::io {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void bad(const fs::path& file, const std::string& why) { throw InputError(file.string() + ": " + why); }

struct NimFree {
  void operator()(nifti_image* n) const { nifti_image_free(n); }
};
using NimPtr = std::unique_ptr<nifti_image, NimFree>;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string num(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

bool dtype_from_nifti(int datatype, DType& out) {
  switch (datatype) {
    case DT_UINT8:
      out = DType::U8;
      return true;
    case DT_INT16:
      out = DType::I16;
      return true;
    case DT_UINT16:
      out = DType::U16;
      return true;
    case DT_INT32:
      out = DType::I32;
      return true;
    case DT_FLOAT32:
      out = DType::F32;
      return true;
    case DT_FLOAT64:
      out = DType::F64;
      return true;
    default:
      return false;
  }
}

int nifti_from_dtype(DType t) {
  switch (t) {
    case DType::U8:
      return DT_UINT8;
    case DType::I16:
      return DT_INT16;
    case DType::U16:
      return DT_UINT16;
    case DType::I32:
      return DT_INT32;
    case DType::F32:
      return DT_FLOAT32;
    case DType::F64:
      return DT_FLOAT64;
  }
  return DT_UNKNOWN;
}

// A fixed-size header string (not necessarily NUL-terminated).
std::string field(const char* s, std::size_t n) { return std::string(s, strnlen(s, n)); }

double meta_number(const Metadata& m, const std::string& key, double fallback) {
  auto it = m.find(key);
  if (it == m.end()) return fallback;
  double v = 0;
  const char* b = it->second.data();
  const char* e = b + it->second.size();
  auto r = std::from_chars(b, e, v);
  return (r.ec == std::errc() && r.ptr == e && std::isfinite(v)) ? v : fallback;
}

void geometry_from_matrix(const mat44& m, const nifti_image& nim, Geometry& g) {
  const float pix[3] = {nim.dx, nim.dy, nim.dz};
  for (int j = 0; j < 3; ++j) {
    const double c[3] = {m.m[0][j], m.m[1][j], m.m[2][j]};
    const double len = std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
    if (len > 0 && std::isfinite(len)) {
      g.spacing[j] = len;
      for (int i = 0; i < 3; ++i) g.direction[i * 3 + j] = c[i] / len;
    } else {  // a degenerate matrix column: keep the axis, take pixdim (or 1)
      g.spacing[j] = (pix[j] > 0 && std::isfinite(pix[j])) ? pix[j] : 1.0;
      for (int i = 0; i < 3; ++i) g.direction[i * 3 + j] = i == j ? 1.0 : 0.0;
    }
    g.origin[j] = m.m[j][3];
  }
}

}  // namespace

bool nifti_path_is_gz(const fs::path& file) { return ends_with(file.filename().string(), ".gz"); }

bool nifti_path_is_valid(const fs::path& file) {
  const std::string name = file.filename().string();
  return ends_with(name, ".nii") || ends_with(name, ".nii.gz");
}

Image read_nifti(const fs::path& file, bool apply_scaling) {
  NimPtr nim(nifti_image_read(file.c_str(), 0));
  if (!nim) bad(file, "not a readable NIfTI-1 file (missing, truncated or invalid header)");
  if (nim->nifti_type == NIFTI_FTYPE_ASCII || nim->iname_offset < 0 || !nim->iname)
    bad(file, "ASCII NIfTI headers are not supported");
  for (int k = 4; k <= nim->dim[0] && k < 8; ++k)
    if (nim->dim[k] > 1)
      bad(file, "the image has " + std::to_string(nim->dim[0]) + " dimensions (dim[" + std::to_string(k) +
                    "] = " + std::to_string(nim->dim[k]) + "); only 2-D and 3-D images are supported");
  DType dtype;
  // RGB24 is three uint8 values per voxel, side by side: the layout of a colour Image.
  const int components = nim->datatype == DT_RGB24 ? 3 : 1;
  if (components == 3) dtype = DType::U8;
  else if (!dtype_from_nifti(nim->datatype, dtype))
    bad(file, std::string("unsupported NIfTI datatype ") + nifti_datatype_to_string(nim->datatype) +
                  " (supported: uint8, int16, uint16, int32, float32, float64, RGB24)");
  // Dimensions past dim[0] are unused (files hold 0 or 1 there).
  const int ndim = nim->dim[0];
  const std::int64_t nx = ndim >= 1 ? nim->dim[1] : 1, ny = ndim >= 2 ? nim->dim[2] : 1,
                     nz = ndim >= 3 ? nim->dim[3] : 1;
  if (ndim < 1 || nx < 1 || ny < 1 || nz < 1) bad(file, "the header has a non-positive dimension");

  Image img = Image::allocate(dtype, {nx, ny, nz}, nz > 1 ? 3 : 2, Device::CPU, components);
  const std::size_t ntot = nifti_get_volsize(nim.get());
  if (ntot != img.bytes()) bad(file, "the header's voxel count and datatype size disagree");
  // Read straight into the image's storage (niftilib byte-swaps as needed), rather than
  // letting nifti_image_load allocate a buffer of its own.
  znzFile fp = znzopen(nim->iname, "rb", nifti_is_gzfile(nim->iname));
  if (znz_isnull(fp)) bad(file, std::string("cannot open the data file ") + nim->iname);
  std::size_t got = 0;
  // znzseek returns fseek's 0 for plain files but gzseek's new offset for gzip: only < 0 fails.
  // The bytes as stored, swapped to this machine's order. Not nifti_read_buffer: it silently
  // replaces NaN and infinite floats by 0, and a reader must hand on what the file holds (a
  // node downstream refuses non-finite input by name instead of denoising made-up zeros).
  if (znzseek(fp, nim->iname_offset, SEEK_SET) >= 0) {
    got = znzread(img.raw(), 1, ntot, fp);
    if (got == ntot && nim->swapsize > 1 && nim->byteorder != nifti_short_order())
      nifti_swap_Nbytes(ntot / static_cast<std::size_t>(nim->swapsize), nim->swapsize, img.raw());
  }
  znzclose(fp);
  if (got != ntot)
    bad(file, "truncated: the header promises " + std::to_string(ntot) + " bytes of voxel data at offset " +
                  std::to_string(nim->iname_offset) + ", which could not all be read");

  geometry_from_matrix(nim->sform_code > 0 ? nim->sto_xyz : nim->qto_xyz, *nim, img.geometry());
  img.metadata()[kWorldKey] = "RAS";

  const double slope = nim->scl_slope, inter = nim->scl_inter;
  const bool scaled =
      apply_scaling && slope != 0.0 && std::isfinite(slope) && std::isfinite(inter) && (slope != 1.0 || inter != 0.0);
  Metadata& md = img.metadata();
  const std::string descrip = field(nim->descrip, sizeof nim->descrip);
  if (!descrip.empty()) md["nifti.descrip"] = descrip;
  md["nifti.intent_code"] = std::to_string(nim->intent_code);
  const std::string intent_name = field(nim->intent_name, sizeof nim->intent_name);
  if (!intent_name.empty()) md["nifti.intent_name"] = intent_name;
  md["nifti.intent_p1"] = num(nim->intent_p1);
  md["nifti.intent_p2"] = num(nim->intent_p2);
  md["nifti.intent_p3"] = num(nim->intent_p3);
  md["nifti.xyzt_units"] = std::to_string(SPACE_TIME_TO_XYZT(nim->xyz_units, nim->time_units));
  md["nifti.scl_slope"] = num(slope);
  md["nifti.scl_inter"] = num(inter);
  md["nifti.scaling_applied"] = scaled ? "true" : "false";
  md["nifti.qform_code"] = std::to_string(nim->qform_code);
  md["nifti.sform_code"] = std::to_string(nim->sform_code);
  if (!scaled) return img;

  Image out = Image::allocate(DType::F32, img.shape(), img.ndim());
  out.geometry() = img.geometry();
  out.metadata() = std::move(img.metadata());
  float* d = out.data<float>();
  dispatch_dtype(img.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* s = img.data<T>();
    for (std::int64_t i = 0, n = img.size(); i < n; ++i)
      d[i] = static_cast<float>(static_cast<double>(s[i]) * slope + inter);
  });
  return out;
}

void write_nifti(const Image& image, const fs::path& file, bool gzip) {
  if (image.empty()) throw InputError(file.string() + ": cannot write an empty image");
  if (image.ndim() != 2 && image.ndim() != 3)
    throw InputError(file.string() + ": NIfTI writes 2-D or 3-D images, got " + image.describe());
  if (image.device() != Device::CPU)
    throw InputError(file.string() + ": NIfTI needs a CPU image, got " + image.describe());
  constexpr std::int64_t kMaxDim = 32767;  // NIfTI-1 dims are int16
  if (image.nx() > kMaxDim || image.ny() > kMaxDim || image.nz() > kMaxDim)
    throw InputError(file.string() + ": NIfTI-1 dimensions are limited to 32767, got " + image.describe());

  const Metadata& md = image.metadata();
  int dims[8] = {image.ndim(),
                 static_cast<int>(image.nx()),
                 static_cast<int>(image.ny()),
                 static_cast<int>(image.nz()),
                 1,
                 1,
                 1,
                 1};
  if (image.components() != 1 && (image.components() != 3 || image.dtype() != DType::U8))
    throw InputError(file.string() + ": NIfTI-1 holds colour as RGB24 (3 uint8 components), got " + image.describe());
  const int datatype = image.components() == 3 ? DT_RGB24 : nifti_from_dtype(image.dtype());
  NimPtr nim(nifti_make_new_nim(dims, datatype, 0));
  if (!nim) throw std::runtime_error(file.string() + ": niftilib could not make a header");

  const Geometry g = geometry_in_world(image, "RAS");  // DICOM (LPS) input is flipped into RAS
  float* pix[3] = {&nim->dx, &nim->dy, &nim->dz};
  for (int j = 0; j < 3; ++j) *pix[j] = nim->pixdim[j + 1] = static_cast<float>(g.spacing[j]);
  mat44 m{};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) m.m[i][j] = static_cast<float>(g.direction[i * 3 + j] * g.spacing[j]);
    m.m[i][3] = static_cast<float>(g.origin[i]);
  }
  m.m[3][3] = 1.0f;
  const int sform = static_cast<int>(meta_number(md, "nifti.sform_code", 0));
  const int qform = static_cast<int>(meta_number(md, "nifti.qform_code", 0));
  nim->sform_code = sform > 0 ? sform : NIFTI_XFORM_SCANNER_ANAT;
  nim->qform_code = qform > 0 ? qform : NIFTI_XFORM_SCANNER_ANAT;
  nim->sto_xyz = m;
  nim->sto_ijk = nifti_mat44_inverse(m);
  float dx, dy, dz;
  nifti_mat44_to_quatern(m, &nim->quatern_b, &nim->quatern_c, &nim->quatern_d, &nim->qoffset_x, &nim->qoffset_y,
                         &nim->qoffset_z, &dx, &dy, &dz, &nim->qfac);
  nim->qto_xyz = nifti_quatern_to_mat44(nim->quatern_b, nim->quatern_c, nim->quatern_d, nim->qoffset_x, nim->qoffset_y,
                                        nim->qoffset_z, nim->dx, nim->dy, nim->dz, nim->qfac);
  nim->qto_ijk = nifti_mat44_inverse(nim->qto_xyz);

  const int xyzt = static_cast<int>(meta_number(md, "nifti.xyzt_units", NIFTI_UNITS_MM));
  nim->xyz_units = XYZT_TO_SPACE(xyzt);
  nim->time_units = XYZT_TO_TIME(xyzt);
  if (auto it = md.find("nifti.descrip"); it != md.end())
    std::snprintf(nim->descrip, sizeof nim->descrip, "%s", it->second.c_str());
  nim->intent_code = static_cast<int>(meta_number(md, "nifti.intent_code", 0));
  nim->intent_p1 = static_cast<float>(meta_number(md, "nifti.intent_p1", 0));
  nim->intent_p2 = static_cast<float>(meta_number(md, "nifti.intent_p2", 0));
  nim->intent_p3 = static_cast<float>(meta_number(md, "nifti.intent_p3", 0));
  if (auto it = md.find("nifti.intent_name"); it != md.end())
    std::snprintf(nim->intent_name, sizeof nim->intent_name, "%s", it->second.c_str());
  auto applied = md.find("nifti.scaling_applied");
  const bool stored_values = applied != md.end() && applied->second == "false";
  nim->scl_slope = stored_values ? static_cast<float>(meta_number(md, "nifti.scl_slope", 0)) : 0.0f;
  nim->scl_inter = stored_values ? static_cast<float>(meta_number(md, "nifti.scl_inter", 0)) : 0.0f;

  // One file: the 348-byte header, a 4-byte extender saying "no extensions", the voxels.
  nim->nifti_type = NIFTI_FTYPE_NIFTI1_1;
  nim->iname_offset = 352;
  nifti_1_header hdr = nifti_convert_nim2nhdr(nim.get());
  if (hdr.vox_offset != 352.0f || std::strncmp(hdr.magic, "n+1", 4) != 0)
    throw std::logic_error(file.string() + ": niftilib made an unexpected header");

  znzFile fp = znzopen(file.c_str(), "wb", gzip ? 1 : 0);
  if (znz_isnull(fp)) throw std::runtime_error(file.string() + ": cannot create: " + std::strerror(errno));
  const char extender[4] = {0, 0, 0, 0};
  bool ok = znzwrite(&hdr, 1, sizeof hdr, fp) == sizeof hdr && znzwrite(extender, 1, 4, fp) == 4;
  for_each_row(image, [&](const void* p, std::size_t n) {
    if (ok) ok = znzwrite(p, 1, n, fp) == n;
  });
  const bool closed = znzclose(fp) == 0;
  if (!ok || !closed) throw std::runtime_error(file.string() + ": write failed");
}

}  // namespace mirflow::io
