#include <sstream>

#include <mirflow/error.hpp>

#include "metrics.hpp"
#include "nodes.hpp"

namespace mirflow::metrics {

namespace {

const std::set<std::string> kKnown{"psnr", "ssim", "ms_ssim", "fsim", "rmse", "noise_reduction", "hu_bias"};

std::set<std::string> parse_metric_list(const std::string& text) {
  std::set<std::string> out;
  std::stringstream in(text);
  std::string word;
  while (std::getline(in, word, ',')) {
    word.erase(0, word.find_first_not_of(" \t"));
    word.erase(word.find_last_not_of(" \t") + 1);
    if (word.empty()) continue;
    if (!kKnown.count(word)) {
      std::string known;
      for (const auto& k : kKnown) known += (known.empty() ? "" : ", ") + k;
      throw InputError("parameter 'metrics': unknown metric '" + word + "' (known: " + known + ")");
    }
    out.insert(word);
  }
  if (out.empty()) throw InputError("parameter 'metrics' names no metric");
  return out;
}

}  // namespace

nlohmann::ordered_json item_record(const Key& key) {
  nlohmann::ordered_json j;
  j["item"] = key.str();
  return j;
}

Compare::Compare(const NodeConfig& c)
    : metrics_(parse_metric_list(c.params.get_string("metrics"))), has_range_(c.params.has("data_range")),
      has_roi_(c.params.has("roi")), data_range_(has_range_ ? c.params.get_float("data_range") : 0.0),
      roi_(has_roi_ ? c.params.get_floats("roi") : std::vector<double>{}) {
  if (has_roi_ && roi_.size() != 4 && roi_.size() != 6)
    throw InputError("parameter 'roi': a box is [x0, y0, x1, y1] or [x0, y0, z0, x1, y1, z1], got " +
                     std::to_string(roi_.size()) + " numbers");
}

NodeSpec Compare::spec() {
  return NodeSpec("metrics.compare", "Image-quality metrics of an image against its reference, one JSON record per item.")
      .input("image", kImagePort, "the image to judge (2-D or 3-D, any dtype)")
      .input("reference", kImagePort, "the ground truth, same shape")
      .input("mask", kImagePort, "labels: hu_bias regions (each non-zero value) and the noise_reduction region without roi",
             false)
      .input("noisy", kImagePort, "the noisy input the image was made from (for noise_reduction)", false)
      .output("json", kJsonPort, "{\"item\": key, \"psnr\": ..., ...}; +inf (identical images) is written as null")
      .param(ParamSpec::String("metrics", "psnr,ssim,ms_ssim,rmse",
                               "comma-separated: psnr, ssim, ms_ssim, fsim, rmse, noise_reduction, hu_bias"))
      .param(ParamSpec::Float("data_range", 1.0, "R of PSNR/SSIM/MS-SSIM/FSIM (unset: from the reference, docs/metrics.md)")
                 .range(1e-12, 1e12)
                 .optional())
      .param(ParamSpec::FloatList("roi", {}, "noise_reduction box, half-open pixel indices [x0,y0,x1,y1] or [x0,y0,z0,x1,y1,z1]")
                 .optional());
}

void Compare::process(Context& ctx) {
  const Image& image = ctx.image("image");
  const Image& reference = ctx.image("reference");
  check_same_shape(image, "image", reference, "reference");
  auto wants = [&](const char* m) { return metrics_.count(m) > 0; };
  const bool ranged = wants("psnr") || wants("ssim") || wants("ms_ssim") || wants("fsim");
  const double range = !ranged ? 0.0 : has_range_ ? data_range_ : default_data_range(reference);

  nlohmann::ordered_json j = item_record(*ctx.key());
  if (ranged) j["data_range"] = range;
  const Grid a = to_grid(image, "image"), b = to_grid(reference, "reference");
  if (wants("psnr")) j["psnr"] = psnr(image, reference, range);
  if (wants("ssim")) j["ssim"] = ssim_parts(a, b, range).ssim;
  if (wants("ms_ssim")) {
    const MsSsim m = ms_ssim(a, b, range);
    j["ms_ssim"] = m.value;
    j["ms_ssim_scales"] = m.scales;
  }
  if (wants("fsim")) j["fsim"] = fsim(a, b, range);
  if (wants("rmse")) j["rmse"] = rmse(image, reference);
  if (wants("noise_reduction")) {
    if (!ctx.has("noisy")) throw InputError("noise_reduction needs the 'noisy' input connected");
    const Image& noisy = ctx.image("noisy");
    if (has_roi_) {
      j["noise_reduction"] = noise_reduction(noisy, image, box_from_list(roi_, image, "parameter 'roi'"));
    } else {
      if (!ctx.has("mask")) throw InputError("noise_reduction needs a region: set 'roi' or connect 'mask'");
      j["noise_reduction"] = noise_reduction(noisy, image, ctx.image("mask"));
    }
  }
  if (wants("hu_bias")) {
    if (!ctx.has("mask")) throw InputError("hu_bias needs the 'mask' input (labelled regions) connected");
    nlohmann::ordered_json regions = nlohmann::ordered_json::object();
    for (const auto& [label, r] : region_bias(image, reference, ctx.image("mask")))
      regions[std::to_string(label)] = {{"mean_difference", r.mean_difference}, {"voxels", r.voxels}};
    j["hu_bias"] = regions;
  }
  ctx.output("json", std::any(j.dump()));
}

}  // namespace mirflow::metrics
