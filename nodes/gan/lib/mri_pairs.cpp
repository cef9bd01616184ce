#include "mirflow_gan/mri_pairs.hpp"

#include <cmath>
#include <sstream>

#include <mirflow/error.hpp>

#include "mirflow_gan/image_tensor.hpp"
#include "mirflow_gan/intensity.hpp"

namespace mirflow::gan {

torch::Generator seeded_generator(std::uint64_t seed, std::uint64_t stream, std::uint64_t step) {
  // splitmix64 of the three words: nearby seeds and steps give unrelated streams.
  auto mix = [](std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  return at::make_generator<at::CPUGeneratorImpl>(mix(mix(mix(seed) ^ stream) ^ step));
}

namespace {

torch::Tensor to_tensor(const Image& img) { return tensor_view(img).squeeze(1).clone(); }  // nz×ny×nx, owned

Image to_image(const torch::Tensor& slice) {  // H×W
  Image like = Image::allocate2d(DType::F32, slice.size(1), slice.size(0));
  return image_over(slice.contiguous(), like);
}

}  // namespace

MriPairs::MriPairs(const Registry& registry, MriPairOptions o) : registry_(registry), o_(std::move(o)) {
  if (o_.train.empty()) throw InputError("MRI training needs at least one training volume");
  if (o_.sigmas.empty()) throw InputError("MRI training needs at least one noise level (sigmas)");
  if (o_.planes.empty()) throw InputError("MRI training needs at least one slice plane");
  for (const auto& f : o_.train) volumes_.push_back(read(f, o_.planes));
  std::int64_t index = 0;
  for (const auto& f : o_.validation) {
    const Volume v = read(f, {Plane::Axial});
    const auto n = std::min<std::int64_t>(o_.validation_slices, static_cast<std::int64_t>(v.slices.size()));
    for (std::int64_t i = 0; i < n; ++i) {
      const SliceRef z = v.slices[(2 * i + 1) * v.slices.size() / (2 * n)];  // evenly spread
      ValidationSlice s;
      s.name = v.name + "/z=" + std::to_string(z.index);
      s.clean = slice_of(v.voxels, z).unsqueeze(0).unsqueeze(0);
      s.noisy = rician(s.clean, o_.validation_sigma, v.max, "validation/" + std::to_string(index++));
      s.data_range = v.max;
      validation_.push_back(std::move(s));
    }
  }
}

MriPairs::Volume MriPairs::read(const std::filesystem::path& file, const std::vector<Plane>& planes) {
  NodeRunner reader(registry_, "io.nifti_read", {{"path", file.string()}});
  const Image img = std::any_cast<Image>(reader.run(file.filename().string()).at("image"));
  if (img.ndim() != 3) throw InputError(file.string() + ": expected a 3-D volume for training");
  if (img.components() != 1) throw InputError(file.string() + ": expected grey levels for training, got " + img.describe());
  Volume v;
  v.name = file.filename().string();
  v.voxels = to_tensor(img);
  v.max = v.voxels.max().item<double>();
  if (!(v.max > 0)) throw InputError(file.string() + ": volume has no positive voxel");
  // Augmentation and the network treat pixels as square: a plane whose two spacings differ by
  // more than 1 % would teach anatomy stretched along one axis.
  for (Plane p : planes) {
    const auto rc = slice_spacing(img.geometry().spacing, p);
    if (std::abs(rc[0] - rc[1]) > 0.01 * std::max(rc[0], rc[1]))
      throw InputError(file.string() + ": " + plane_name(p) + " slices have " + std::to_string(rc[0]) + " × " +
                       std::to_string(rc[1]) + " mm pixels; training needs square pixels (leave that plane out)");
  }
  v.slices = content_slices(v.voxels, planes, o_.min_content * v.max);
  return v;
}

torch::Tensor MriPairs::rician(const torch::Tensor& clean, double sigma, double reference, const std::string& item) {
  // σ is relative to the volume's maximum, not the slice's (one noise level per scan), so the
  // node gets it in image units. Its stream is seeded by (seed, item): the same bytes every run.
  NodeRunner noise(registry_, "noise.rician",
                   {{"sigma", sigma * reference}, {"relative", false}, {"seed", static_cast<std::int64_t>(o_.seed)}});
  const Image out = std::any_cast<Image>(noise.run(item, {{"image", std::any(to_image(clean[0][0]))}}).at("image"));
  return to_tensor(out).unsqueeze(0);  // 1×1×H×W
}

Batch MriPairs::batch(std::int64_t step, std::int64_t size, std::int64_t patch) {
  torch::Generator gen = seeded_generator(o_.seed, 1, static_cast<std::uint64_t>(step));
  std::vector<torch::Tensor> noisy, clean;
  for (std::int64_t i = 0; i < size; ++i) {
    const Volume& v = volumes_[static_cast<std::size_t>(uniform(gen, 0, 1) * static_cast<double>(volumes_.size()))];
    const SliceRef z = v.slices[static_cast<std::size_t>(uniform(gen, 0, 1) * static_cast<double>(v.slices.size()))];
    const torch::Tensor c = augment(slice_of(v.voxels, z).unsqueeze(0).unsqueeze(0), v.max, o_.augment, gen);
    const double sigma = o_.sigmas[static_cast<std::size_t>(uniform(gen, 0, 1) * static_cast<double>(o_.sigmas.size()))];
    const torch::Tensor n = rician(c, sigma, v.max, "train/step=" + std::to_string(step) + "/i=" + std::to_string(i));
    const SliceRange r = slice_range(n);
    const bool on_tissue = o_.content_crops > 0 && uniform(gen, 0, 1) < o_.content_crops;
    auto crop = on_tissue ? content_crop({to_unit(n, r), to_unit(c, r)}, patch, c, o_.content_level * v.max, gen)
                          : random_crop({to_unit(n, r), to_unit(c, r)}, patch, gen);
    noisy.push_back(crop[0]);
    clean.push_back(crop[1]);
  }
  return {torch::cat(noisy), torch::cat(clean)};
}

std::string MriPairs::describe() const {
  std::ostringstream s;
  s << "MRI, Rician noise (noise.rician) with sigma in {";
  for (std::size_t i = 0; i < o_.sigmas.size(); ++i) s << (i ? ", " : "") << o_.sigmas[i];
  s << "} of the volume maximum; planes";
  for (Plane p : o_.planes) s << " " << plane_name(p);
  if (o_.content_crops > 0) s << "; " << o_.content_crops << " of crops centred on tissue";
  s << "; training volumes:";
  for (const auto& v : volumes_) s << " " << v.name << " (" << v.slices.size() << " slices)";
  s << "; validation: " << validation_.size() << " slices at sigma " << o_.validation_sigma;
  return s.str();
}

}  // namespace mirflow::gan
