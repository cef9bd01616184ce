#pragma once
// NIfTI-1 files (.nii, .nii.gz) through niftilib (niftiio + znzlib); no header is parsed by hand.
//
// Geometry: the voxel-to-world matrix is the sform when sform_code > 0, else the qform
// (niftilib's sto_xyz / qto_xyz already hold these matrices; with both codes 0, qto_xyz is
// niftilib's fallback diag(pixdim)). Its columns give spacing (their lengths) and direction
// (their unit vectors), its translation the origin. NIfTI's world is RAS+ (x to the Right,
// y to Anterior, z to Superior) and we keep it as is: a NIfTI image's origin and direction
// are RAS+ coordinates, not DICOM's LPS+.
//
// Metadata keys (plain key-values in Image::metadata()):
//   nifti.descrip, nifti.intent_code, nifti.intent_name, nifti.intent_p1..3, nifti.xyzt_units,
//   nifti.scl_slope, nifti.scl_inter (as stored), nifti.scaling_applied ("true"/"false"),
//   nifti.qform_code, nifti.sform_code.
//
// Precision: the sform holds the matrix in float32, so geometry survives a write/read to about
// 1e-7 relative. The qform (a float32 quaternion, for readers that ignore the sform) is as good
// except for rotations close to 180°, where the quaternion's first component is recovered from
// 1 − (b² + c² + d²) and errors reach ~1e-3.
//
// Known niftilib behaviour: while reading float data, it replaces non-finite values
// (NaN, ±inf) with 0.
#include <filesystem>

#include "mirflow/image.hpp"

namespace mirflow::io {

// True for names ending in ".gz" (".nii.gz"): those are written gzip-compressed.
bool nifti_path_is_gz(const std::filesystem::path& file);
// True for names ending in ".nii" or ".nii.gz".
bool nifti_path_is_valid(const std::filesystem::path& file);

// Reads a 2-D or 3-D NIfTI-1 image (uint8, int16, uint16, int32, float32, float64) into a new
// image; a volume with one slice becomes a 2-D image. With `apply_scaling` and a header whose
// scl_slope is not 0 (0 means "no scaling" in NIfTI) and either slope ≠ 1 or scl_inter ≠ 0,
// the result is float32 raw·slope + inter; otherwise the stored dtype is kept. Throws
// InputError naming the file and the reason.
Image read_nifti(const std::filesystem::path& file, bool apply_scaling = true);

// Writes a 2-D or 3-D CPU image as a single-file NIfTI-1 (.nii layout; gzip-compressed when
// `gzip`) with the image's own dtype. Both qform and sform hold the geometry (codes from
// metadata nifti.qform_code / nifti.sform_code when > 0, else 1), so a re-read gives back the
// spacing, origin and direction (to float32 precision). descrip, intent and xyzt_units come
// from metadata (xyzt_units defaults to mm); scl_slope/inter are written back only when the
// metadata says the scaling was not applied (pixels still hold stored values), else 0 / 0.
void write_nifti(const Image& image, const std::filesystem::path& file, bool gzip);

}  // namespace mirflow::io
