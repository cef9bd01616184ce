#pragma once
// DICOM through GDCM (gdcm::ImageReader / gdcm::ImageWriter); no header is parsed by hand.
// Every transfer syntax GDCM decodes is read (raw little/big endian, deflate, RLE, JPEG
// baseline/extended/lossless, JPEG-LS, JPEG 2000).
//
// World coordinates: DICOM's patient system is LPS+ (x to the patient's Left, y to Posterior,
// z to Superior), and the geometry of an image read here is kept in LPS+: origin is
// ImagePositionPatient, the direction's columns are the row direction, the column direction
// (ImageOrientationPatient) and the slice normal (their cross product). NIfTI (io.nifti_read)
// keeps RAS+ instead. The two differ by the sign of x and y: RAS = diag(-1, -1, 1) · LPS for the
// origin and for the rows of the direction matrix. Images read here carry metadata
// `world = "LPS"` so a converter can tell; io.nifti_write does not flip them (yet).
//
// Robustness: Debian's GDCM is built with assertions, and a few malformed (or unusual) files
// make it abort. Each file is therefore first parsed and decoded by GDCM in a forked child
// process; when the child dies, the file is refused with an InputError. This costs a second
// decode per file. Known GDCM 3.0.21 limits (refused, see tests/nodes/io/test_dicom.cpp):
// RT dose single-frame files (assertion on NumberOfFrames), 32-bit big-endian pixel data
// (wrongly swapped, so refused up front), one JPEG 2000 fragment layout.
//
// Metadata keys: dicom.Modality, dicom.PatientID, dicom.PatientName, dicom.StudyInstanceUID,
// dicom.SeriesInstanceUID, dicom.SOPInstanceUID (of the first slice), dicom.SeriesDescription,
// dicom.BodyPartExamined, dicom.StudyDescription, dicom.StudyDate, dicom.PatientBirthDate,
// dicom.PatientSex, dicom.StudyID, dicom.AccessionNumber, dicom.FrameOfReferenceUID,
// dicom.RescaleSlope, dicom.RescaleIntercept (as stored), dicom.WindowCenter, dicom.WindowWidth,
// dicom.PhotometricInterpretation, dicom.TransferSyntaxUID, dicom.rescale_applied
// ("true"/"false"), world ("LPS"). Absent tags give no key.
#include <filesystem>
#include <string>
#include <vector>

#include "mirflow/image.hpp"

namespace mirflow::io {

struct DicomReadOptions {
  bool apply_rescale = true;  // raw·slope + intercept as float32 when not (1, 0)
  std::string series_uid;     // choose a series when a folder holds several (empty: must be one)
};

// One DICOM file (single- or multi-frame, grayscale) as a 2-D image (one frame) or a 3-D
// volume (frames). Stored pixels keep their type (uint8, int16, uint16, int32; int8 becomes
// int16, uint32 becomes int32 when it fits, else float64) unless the rescale is applied.
// Throws InputError naming the file and the reason (not DICOM, truncated, colour, undecodable).
Image read_dicom_file(const std::filesystem::path& file, const DicomReadOptions& options = {});

// The files of a folder that may be DICOM: regular, not hidden, not DICOMDIR; sorted by name.
std::vector<std::filesystem::path> dicom_folder_files(const std::filesystem::path& folder);

// The files (one series, or several with options.series_uid choosing) as one volume: grouped
// by SeriesInstanceUID, sorted by ImagePositionPatient along the slice normal; spacing from
// PixelSpacing and the distance between positions (InputError when they are irregular or
// repeat). A single file is read as read_dicom_file() does.
Image read_dicom_series(const std::vector<std::filesystem::path>& files, const DicomReadOptions& options = {});

struct DicomWriteOptions {
  std::string series_description = "mirflow derived";
  std::string derivation = "mirflow graph";
};

// Writes `image` (2-D or 3-D, CPU) as a derived series into `folder`: one file per slice,
// IM0001.dcm, IM0002.dcm, ..., with a new SeriesInstanceUID and SOPInstanceUIDs, ImageType
// DERIVED\SECONDARY, the patient and study tags from metadata (dicom.*), geometry as
// ImagePositionPatient / ImageOrientationPatient / PixelSpacing / SliceThickness (the image's
// geometry is taken as LPS+). Pixels: int16/uint16/uint8 images are stored as they are; other
// images as int16 (or uint16 for non-negative integers that fit) with RescaleSlope/Intercept
// so that values come back within half a quantisation step (slope). Each file is written
// through an AtomicFile; files are committed only after all were written, so the folder holds
// a complete series or none of the new files.
void write_dicom_series(const Image& image, const std::filesystem::path& folder, const DicomWriteOptions& options = {});

}  // namespace mirflow::io
