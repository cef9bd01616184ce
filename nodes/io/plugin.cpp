// The io family: readers and writers of image files.
#include <mirflow/plugin.hpp>

#include "dicom_nodes.hpp"
#include "nifti_nodes.hpp"
#include "npy_nodes.hpp"
#include "png_nodes.hpp"

MIRFLOW_PLUGIN("io", registry) {
  registry.add<mirflow::io::NpyRead>();
  registry.add<mirflow::io::NpyWrite>();
  registry.add<mirflow::io::PngRead>();
  registry.add<mirflow::io::PngWrite>();
  registry.add<mirflow::io::NiftiRead>();
  registry.add<mirflow::io::NiftiWrite>();
  registry.add<mirflow::io::DicomRead>();
  registry.add<mirflow::io::DicomWrite>();
}
