#include <mirflow/error.hpp>

#include "mirflow_gan/image_tensor.hpp"
#include "mirflow_gan/intensity.hpp"
#include "mirflow_gan/model_file.hpp"
#include "mirflow_gan/self_ensemble.hpp"
#include "nodes.hpp"

namespace mirflow::gan {

void set_torch_threads(std::int64_t threads) {
  if (threads > 0) at::set_num_threads(static_cast<int>(threads));
}

Denoise::Denoise(const NodeConfig& c)
    : file_(c.params.get_path("model")),
      tiles_{c.params.get_int("tile"), c.params.get_int("overlap")},
      batch_(c.params.get_int("batch")),
      device_(torch_device_from_param(c.params.get_string("device"))) {
  if (tiles_.overlap >= tiles_.tile) throw InputError("parameter 'overlap' must be smaller than 'tile'");
  set_torch_threads(c.params.get_int("threads"));
  net_ = load_generator(file_).generator;
  net_->to(device_);
  try {  // built once here, so a bad size is refused before any item runs
    forward_ = self_ensemble([this](const torch::Tensor& t) { return net_->forward(t); },
                             static_cast<int>(c.params.get_int("ensemble")));
  } catch (const InputError& e) {
    throw InputError(std::string("parameter 'ensemble': ") + e.what());
  }
}

void Denoise::process(Context& ctx) {
  const Image& in = ctx.image_any_device("image");
  // nz×1×ny×nx on the network's device; no copy for contiguous float32 already there.
  const torch::Tensor x = tensor_on(in, device_);
  torch::Tensor out = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  torch::NoGradGuard no_grad;
  for (std::int64_t z = 0; z < x.size(0); z += batch_) {
    const torch::Tensor xs = x.slice(0, z, std::min(z + batch_, x.size(0)));
    const SliceRange r = slice_range(xs);
    out.slice(0, z, z + xs.size(0)).copy_(from_unit(run_tiled(forward_, to_unit(xs, r), tiles_), r));
  }
  Image result = image_where(out, in);
  result.metadata()["gan.model"] = file_.filename().string();
  ctx.output("image", std::move(result));
}

}  // namespace mirflow::gan
