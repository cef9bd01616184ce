#pragma once
// MRI training pairs: clean slices (axial, or any of the three planes) of NIfTI volumes read by
// io.nifti_read, augmented, cropped (optionally on tissue), then Rician noise from noise.rician (σ a fraction of the volume maximum, drawn from `sigmas`).
// Validation slices are axial slices of other volumes (a volume-level split) with fixed noise.
#include <filesystem>
#include <map>
#include <memory>

#include <mirflow/registry.hpp>

#include "mirflow_gan/augment.hpp"
#include "mirflow_gan/node_runner.hpp"
#include "mirflow_gan/pair_source.hpp"
#include "mirflow_gan/slice_planes.hpp"

namespace mirflow::gan {

struct MriPairOptions {
  std::vector<std::filesystem::path> train, validation;
  std::vector<double> sigmas{0.03, 0.05, 0.07, 0.09};
  double validation_sigma = 0.05;
  std::int64_t validation_slices = 8;
  double min_content = 0.2;  // slices whose maximum is below this fraction of the volume's are skipped
  std::vector<Plane> planes{Plane::Axial};  // training planes; other planes need square pixels in them
  // Fraction of crops centred on tissue (a clean pixel ≥ content_level × the volume maximum)
  // rather than placed uniformly; 0 keeps uniform crops (and the draws of earlier versions).
  double content_crops = 0;
  double content_level = 0.1;
  std::uint64_t seed = 0;
  AugmentOptions augment;
};

class MriPairs final : public PairSource {
 public:
  // `registry` must know io.nifti_read and noise.rician (the io and noise plugins).
  MriPairs(const Registry& registry, MriPairOptions o);
  Batch batch(std::int64_t step, std::int64_t size, std::int64_t patch) override;
  const std::vector<ValidationSlice>& validation() const override { return validation_; }
  std::string describe() const override;

 private:
  struct Volume {
    std::string name;
    torch::Tensor voxels;  // nz×ny×nx float32
    double max = 0;
    std::vector<SliceRef> slices;  // with content
  };
  Volume read(const std::filesystem::path& file, const std::vector<Plane>& planes);
  torch::Tensor rician(const torch::Tensor& clean, double sigma, double reference, const std::string& item);

  const Registry& registry_;
  MriPairOptions o_;
  std::vector<Volume> volumes_;
  std::vector<ValidationSlice> validation_;
};

}  // namespace mirflow::gan
