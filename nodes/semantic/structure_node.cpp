#include <mirflow/error.hpp>

#include "nodes.hpp"

namespace mirflow::semantic {

void add_structure_params(NodeSpec& spec) {
  const StructureOptions d;
  spec.param(ParamSpec::Float("sigma", d.sigma, "Gaussian derivative scale").range(0.3, 20).in_unit("pixels"))
      .param(ParamSpec::Float("integration_sigma", d.integration_sigma, "structure tensor and local variance window")
                 .range(0.3, 50).in_unit("pixels"))
      .param(ParamSpec::Float("edge_snr", d.edge_snr, "an edge's gradient must exceed this many noise standard deviations")
                 .range(0, 100))
      .param(ParamSpec::Float("edge_contrast", d.edge_contrast,
                              "... and a step of this fraction of the 0.5-99.5 % intensity range").range(0, 1))
      .param(ParamSpec::Float("texture_weight", d.texture_weight, "weight of the texture (incoherent variance) term in M")
                 .range(0, 1))
      .param(ParamSpec::Float("blob_sigma_min", d.blob_sigma_min, "smallest bright-spot scale (radius ≈ √2·σ)")
                 .range(0.5, 100).in_unit("pixels"))
      .param(ParamSpec::Float("blob_sigma_max", d.blob_sigma_max, "largest bright-spot scale").range(0.5, 100).in_unit("pixels"))
      .param(ParamSpec::Float("blob_snr", d.blob_snr, "a spot's LoG response must exceed this many noise standard deviations")
                 .range(0, 1000))
      .param(ParamSpec::Float("blob_contrast", d.blob_contrast, "... and this fraction of the intensity range").range(0, 10))
      .param(ParamSpec::Int("max_blobs", d.max_blobs, "at most this many spots per slice, strongest first").range(0, 10000));
}

StructureOptions structure_options(const Params& p) {
  StructureOptions o;
  o.sigma = p.get_float("sigma");
  o.integration_sigma = p.get_float("integration_sigma");
  o.edge_snr = p.get_float("edge_snr");
  o.edge_contrast = p.get_float("edge_contrast");
  o.texture_weight = p.get_float("texture_weight");
  o.blob_sigma_min = p.get_float("blob_sigma_min");
  o.blob_sigma_max = p.get_float("blob_sigma_max");
  o.blob_snr = p.get_float("blob_snr");
  o.blob_contrast = p.get_float("blob_contrast");
  o.max_blobs = static_cast<int>(p.get_int("max_blobs"));
  if (o.blob_sigma_max < o.blob_sigma_min)
    throw InputError("blob_sigma_max (" + std::to_string(o.blob_sigma_max) + ") is below blob_sigma_min (" +
                     std::to_string(o.blob_sigma_min) + ")");
  return o;
}

Structure::Structure(const NodeConfig& config) : options_(structure_options(config.params)) {}

NodeSpec Structure::spec() {
  NodeSpec s("semantic.structure",
             "Offline preservation map from the image: edges, structure-tensor coherence, local variance, bright spots.");
  s.input("image", kImagePort, "2-D slice or 3-D volume (3-D: slice by slice), any dtype");
  provider_outputs(s);
  add_structure_params(s);
  return s;
}

void Structure::process(Context& ctx) {
  const Image& in = ctx.image("image");
  if (in.device() != Device::CPU) throw InputError("semantic.structure needs a CPU image, got " + in.describe());
  set_provider_outputs(ctx, structure_map(in, options_));
}

}  // namespace mirflow::semantic
