#include "nifti_nodes.hpp"

#include "mirflow/error.hpp"
#include "nifti_format.hpp"

namespace mirflow::io {

NodeSpec NiftiRead::spec() {
  return NodeSpec("io.nifti_read", "Reads NIfTI-1 .nii/.nii.gz images (2-D or 3-D, RAS+ geometry), one item per file.")
      .output("image", kImagePort, "the image with its geometry (sform, else qform) and nifti.* metadata")
      .param(path_param("NIfTI (.nii or .nii.gz)"))
      .param(ParamSpec::Bool("apply_scaling", true,
                             "apply scl_slope/scl_inter (result float32) when they are not the identity"));
}

NiftiRead::NiftiRead(const NodeConfig& config)
    : FileReader(config, [scale = config.params.get_bool("apply_scaling")](const std::filesystem::path& f) {
        return read_nifti(f, scale);
      }) {}

NodeSpec NiftiWrite::spec() {
  return NodeSpec("io.nifti_write", "Writes each image as NIfTI-1 (.nii, or gzip-compressed .nii.gz) in its own dtype.")
      .input("image", kImagePort, "a 2-D or 3-D image")
      .param(path_param("NIfTI (.nii or .nii.gz)"));
}

NiftiWrite::NiftiWrite(const NodeConfig& config) : FileWriter(config) {
  if (!nifti_path_is_valid(pattern()))
    throw InputError("io.nifti_write path must end in .nii or .nii.gz: " + pattern().string());
}

void NiftiWrite::write(const Image& image, const std::filesystem::path& temp,
                       const std::filesystem::path& target) const {
  write_nifti(image, temp, nifti_path_is_gz(target));
}

}  // namespace mirflow::io
