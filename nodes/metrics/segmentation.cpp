#include <cmath>

#include <mirflow/error.hpp>

#include "metrics.hpp"
#include "nodes.hpp"

namespace mirflow::metrics {

Segmentation::Segmentation(const NodeConfig& c) : label_(c.params.get_int("label")) {}

NodeSpec Segmentation::spec() {
  return NodeSpec("metrics.segmentation", "Dice, symmetric Hausdorff and mean surface distance (mm) of two masks, one JSON record per item.")
      .input("mask", kImagePort, "the segmentation to judge (2-D or 3-D, any dtype)")
      .input("reference", kImagePort, "the reference segmentation, same shape; its spacing gives the mm")
      .output("json", kJsonPort, "{\"item\", \"dice\", \"hausdorff_mm\", \"msd_mm\"}; distances null when exactly one mask is empty")
      .param(ParamSpec::Int("label", 0, "foreground value (0: every non-zero pixel)"));
}

void Segmentation::process(Context& ctx) {
  const Image& mask = ctx.image("mask");
  const Image& reference = ctx.image("reference");
  check_same_shape(mask, "mask", reference, "reference");
  for (int a = 0; a < mask.ndim(); ++a) {
    const double s = mask.geometry().spacing[static_cast<std::size_t>(a)], r = reference.geometry().spacing[static_cast<std::size_t>(a)];
    if (std::abs(s - r) > 1e-6 * std::abs(r))
      throw InputError("mask spacing " + std::to_string(s) + " differs from the reference's " + std::to_string(r) + " on axis " +
                       std::to_string(a));
  }
  nlohmann::ordered_json j = item_record(*ctx.key());
  j["dice"] = dice(mask, reference, label_);
  const SurfaceDistances d = surface_distances(mask, reference, label_);
  j["hausdorff_mm"] = d.hausdorff_mm ? nlohmann::ordered_json(*d.hausdorff_mm) : nlohmann::ordered_json(nullptr);
  j["msd_mm"] = d.mean_mm ? nlohmann::ordered_json(*d.mean_mm) : nlohmann::ordered_json(nullptr);
  ctx.output("json", std::any(j.dump()));
}

}  // namespace mirflow::metrics
