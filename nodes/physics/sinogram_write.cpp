#include <mirflow/atomic_file.hpp>
#include <mirflow/error.hpp>
#include <mirflow/key.hpp>

#include "mirflow_physics/sinogram_file.hpp"
#include "nodes.hpp"

namespace mirflow::physics {

namespace fs = std::filesystem;

SinogramWrite::SinogramWrite(const NodeConfig& config)
    : pattern_(config.params.get_path("path")), has_pattern_(path_has_pattern(pattern_)) {
  if (pattern_.extension() != ".npy")
    throw InputError("path " + pattern_.string() + " must end in .npy (the sidecar gets the same stem and .json)");
}

NodeSpec SinogramWrite::spec() {
  return NodeSpec("physics.sinogram_write",
                  "Writes each sinogram as x.npy (float32 views × bins) and its geometry sidecar x.json, atomically.")
      .input("sinogram", kSinogramPort, "the sinogram and its projection geometry")
      .param(ParamSpec::Path("path", ".npy file to write (sidecar: same stem, .json); with several items use {stem}, {index}, {index:N} or {key}"));
}

void SinogramWrite::process(Context& ctx) {
  const Sinogram& s = ctx.input<Sinogram>("sinogram");
  fs::path target = pattern_;
  if (has_pattern_) {
    target = expand_path_pattern(pattern_, *ctx.key());
  } else {
    for (const Key* k = ctx.key().get(); k; k = k->parent().get())
      if (k->count() > 1)
        throw InputError("the writer receives several items (" + ctx.key()->str() + " is one of " + std::to_string(k->count()) +
                         ") but its path " + pattern_.string() + " has no {stem}, {index}, {index:N} or {key} to tell them apart");
  }
  check_sinogram(s, "node " + ctx.node_id());
  AtomicFile json(sidecar_path(target));
  AtomicFile npy(target);
  try {
    write_sinogram_files(s, npy.temp_path(), json.temp_path());
  } catch (const std::exception& e) {
    throw std::runtime_error(target.string() + ": " + e.what());
  }
  json.commit();  // the sidecar first: the .npy appears only once its sidecar is in place
  npy.commit();
}

}  // namespace mirflow::physics
