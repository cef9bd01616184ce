#include "mirflow_gan/ct_pairs.hpp"

#include <sstream>

#include <mirflow/error.hpp>

#include "mirflow_gan/augment.hpp"
#include "mirflow_gan/image_tensor.hpp"
#include "mirflow_gan/intensity.hpp"

namespace mirflow::gan {

namespace {

std::map<std::string, ParamValue> project_params(const CtPairOptions& o) {
  std::map<std::string, ParamValue> p{{"beam", std::string("parallel")}, {"views", o.views},
                                      {"angle_range", 180.0}, {"units", std::string("hu")}};
  if (o.bins > 0) p["bins"] = o.bins;
  return p;
}

torch::Tensor to_tensor(const Image& img) { return tensor_view(img).clone(); }  // 1×1×H×W, owned

}  // namespace

CtPairs::CtPairs(const Registry& registry, CtPairOptions o)
    : registry_(registry),
      o_(std::move(o)),
      project_(registry, "physics.project", project_params(o_)),
      fbp_(registry, "ir.fbp", {{"filter", std::string("hann")}, {"units", std::string("hu")}}) {
  if (o_.i0s.empty()) throw InputError("CT training needs at least one dose (i0s)");
  if (o_.phantoms < 1) throw InputError("CT training needs at least one training phantom");
  if (o_.phantom_seed == o_.validation_seed)
    throw InputError("CT training: phantom_seed and validation_seed must differ (a phantom-level split)");
  if (o_.realizations < 1) throw InputError("CT training needs at least one noise realization");
  for (std::int64_t k = 0; k < o_.phantoms; ++k) {
    Phantom p = make_phantom(o_.phantom_seed, k);
    for (std::size_t d = 0; d < o_.i0s.size(); ++d) {
      p.low_dose.emplace_back();
      for (std::int64_t r = 0; r < o_.realizations; ++r)
        p.low_dose.back().push_back(low_dose(p, o_.i0s[d], "train/phantom=" + std::to_string(k) + "/dose=" +
                                                               std::to_string(d) + "/r=" + std::to_string(r)));
    }
    pool_.push_back(std::move(p));
  }
  for (std::int64_t k = 0; k < o_.validation_phantoms; ++k) {
    const Phantom p = make_phantom(o_.validation_seed, k);
    ValidationSlice s;
    s.name = "phantom_s" + std::to_string(o_.validation_seed) + "_" + std::to_string(k);
    s.clean = p.hu;
    s.noisy = low_dose(p, o_.validation_i0, "validation/" + std::to_string(k));
    s.data_range = (p.hu.max() - p.hu.min()).item<double>();  // metrics.compare's default for floats
    validation_.push_back(std::move(s));
  }
}

CtPairs::Phantom CtPairs::make_phantom(std::uint64_t seed, std::int64_t index) {
  NodeRunner source(registry_, "physics.random_phantom",
                    {{"nx", o_.nx}, {"pixel_size", o_.pixel_size}, {"count", std::int64_t(1)}, {"first", index},
                     {"seed", static_cast<std::int64_t>(seed)}, {"units", std::string("hu")}});
  const std::string item = "phantom/" + std::to_string(seed) + "/" + std::to_string(index);
  const Image hu = std::any_cast<Image>(source.run(item).at("image"));
  Phantom p;
  p.hu = to_tensor(hu);
  p.sinogram = project_.run(item, {{"image", std::any(hu)}}).at("sinogram");
  return p;
}

torch::Tensor CtPairs::low_dose(const Phantom& p, double i0, const std::string& item) {
  // One noise node per call: I0 varies per pair. Its stream is seeded by (seed, item).
  NodeRunner noise(registry_, "noise.ct_poisson",
                   {{"i0", i0}, {"electronic_sigma", 0.0}, {"seed", static_cast<std::int64_t>(o_.seed)}});
  const std::any noisy = noise.run(item, {{"sinogram", p.sinogram}}).at("sinogram");
  return to_tensor(std::any_cast<Image>(fbp_.run(item, {{"sinogram", noisy}}).at("image")));
}

Batch CtPairs::batch(std::int64_t step, std::int64_t size, std::int64_t patch) {
  torch::Generator gen = seeded_generator(o_.seed, 2, static_cast<std::uint64_t>(step));
  std::vector<torch::Tensor> noisy, clean;
  for (std::int64_t i = 0; i < size; ++i) {
    const Phantom& p = pool_[static_cast<std::size_t>(uniform(gen, 0, 1) * static_cast<double>(pool_.size()))];
    const auto& doses = p.low_dose[static_cast<std::size_t>(uniform(gen, 0, 1) * static_cast<double>(o_.i0s.size()))];
    torch::Tensor n = doses[static_cast<std::size_t>(uniform(gen, 0, 1) * static_cast<double>(doses.size()))];
    torch::Tensor c = p.hu;
    // Flips and quarter turns, applied to both: the parallel-beam noise over 180° has no preferred
    // direction, so the pair stays a valid pair (rotating the phantom would need a new projection).
    const auto turns = static_cast<std::int64_t>(uniform(gen, 0, 4));
    const bool flip = uniform(gen, 0, 1) < 0.5;
    auto orient = [&](torch::Tensor x) {
      if (flip) x = x.flip({3});
      return turns ? torch::rot90(x, turns, {2, 3}) : x;
    };
    n = orient(n);
    c = orient(c);
    // The whole noisy slice sets the [−1, 1] map, as gan.denoise does at inference.
    const SliceRange r = slice_range(n);
    auto crop = random_crop({to_unit(n, r), to_unit(c, r)}, patch, gen);
    noisy.push_back(crop[0]);
    clean.push_back(crop[1]);
  }
  return {torch::cat(noisy), torch::cat(clean)};
}

std::string CtPairs::describe() const {
  std::ostringstream s;
  s << "CT low dose: " << pool_.size() << " random head phantoms × " << o_.realizations << " noise draws per dose (seed " << o_.phantom_seed << ", " << o_.nx << "² at "
    << o_.pixel_size << " mm), parallel beam " << o_.views << " views over 180°, Poisson at I0 in {";
  for (std::size_t i = 0; i < o_.i0s.size(); ++i) s << (i ? ", " : "") << o_.i0s[i];
  s << "}, FBP (Hann) in HU; validation: " << validation_.size() << " phantoms of seed " << o_.validation_seed
    << " at I0 " << o_.validation_i0;
  return s.str();
}

}  // namespace mirflow::gan
