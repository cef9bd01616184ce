#pragma once
// The semantic node family: providers of the preservation map M (docs/semantic.md).
#include <string>

#include <mirflow/plugin.hpp>

#include "mirflow_semantic/atlas.hpp"
#include "mirflow_semantic/gemini_client.hpp"
#include "mirflow_semantic/structure.hpp"

namespace mirflow::semantic {

// Every provider offers the same three outputs; this adds them to a spec.
NodeSpec& provider_outputs(NodeSpec& spec);
// Sets the outputs from a map (after checking it).
void set_provider_outputs(Context& ctx, SemanticMap map);

// Gemini (network, opt-in): one generateContent call per 2-D slice.
class Gemini final : public Node {
 public:
  explicit Gemini(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::string id_;
  GeminiOptions options_;
  ClinicalContext overrides_;
  UnreachablePolicy policy_;
  StructureOptions fallback_;
};

// Offline: structure tensor, edges, local variance and bright-spot detection.
class Structure final : public Node {
 public:
  explicit Structure(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  StructureOptions options_;
};

// Offline: a label image and per-label priorities.
class Atlas final : public Node {
 public:
  explicit Atlas(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  AtlasOptions options_;
};

// The StructureOptions parameters, shared by semantic.structure and semantic.gemini's fallback.
void add_structure_params(NodeSpec& spec);
StructureOptions structure_options(const Params& params);

}  // namespace mirflow::semantic
