#include <cmath>

#include <mirflow/error.hpp>

#include "nodes.hpp"

namespace mirflow::semantic {

Atlas::Atlas(const NodeConfig& config) {
  const Params& p = config.params;
  const auto& labels = p.get_floats("labels");
  const auto& priorities = p.get_floats("priorities");
  if (labels.size() != priorities.size())
    throw InputError("labels has " + std::to_string(labels.size()) + " entries but priorities has " +
                     std::to_string(priorities.size()) + ": give one priority per label");
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != std::round(labels[i])) throw InputError("labels[" + std::to_string(i) + "] = " + std::to_string(labels[i]) + " is not an integer");
    options_.priorities[static_cast<std::int64_t>(labels[i])] = priorities[i];
  }
  options_.default_priority = p.get_float("default_priority");
  options_.background_priority = p.get_float("background_priority");
  options_.texture = texture_from_name(p.get_string("texture"));
  if (p.has("names")) options_.names = read_label_names(p.get_path("names"));
}

NodeSpec Atlas::spec() {
  NodeSpec s("semantic.atlas", "Offline preservation map from an atlas label image: M = priority of each voxel's label.");
  s.input("labels", kImagePort, "label image (integer labels, e.g. io.nifti_read of mricron's aal.nii.gz), 2-D or 3-D");
  provider_outputs(s);
  s.param(ParamSpec::FloatList("labels", {}, "labels given their own priority (integers)"))
      .param(ParamSpec::FloatList("priorities", {}, "one priority per entry of labels").range(0, 1))
      .param(ParamSpec::Float("default_priority", 0.5, "priority of labels > 0 not listed").range(0, 1))
      .param(ParamSpec::Float("background_priority", 0.0, "priority of label 0 when not listed").range(0, 1))
      .param(ParamSpec::Choice("texture", texture_names(), "texture", "texture class of every region"))
      .param(ParamSpec::Path("names", "label names, lines '<label> <name>' (mricron's aal.txt style)").optional());
  return s;
}

void Atlas::process(Context& ctx) {
  const Image& labels = ctx.image("labels");
  if (labels.device() != Device::CPU) throw InputError("semantic.atlas needs a CPU label image, got " + labels.describe());
  set_provider_outputs(ctx, atlas_map(labels, options_));
}

}  // namespace mirflow::semantic
