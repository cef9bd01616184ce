#include <mirflow/error.hpp>

#include "mirflow_gan/image_tensor.hpp"
#include "mirflow_gan/intensity.hpp"
#include "mirflow_gan/perceptual.hpp"
#include "nodes.hpp"

namespace mirflow::gan {

TorchScript::TorchScript(const NodeConfig& c)
    : file_(c.params.get_path("model")),
      normalise_(c.params.get_bool("normalise")),
      batch_(c.params.get_int("batch")),
      device_(torch_device_from_param(c.params.get_string("device"))) {
  set_torch_threads(c.params.get_int("threads"));
  if (!std::filesystem::exists(file_)) throw InputError(file_.string() + ": TorchScript file not found");
  try {
    module_ = torch::jit::load(file_.string());
  } catch (const c10::Error& e) {
    throw InputError(file_.string() + ": not a TorchScript file LibTorch " + TORCH_VERSION +
                     " can load (export it with PyTorch 1.13's torch.jit.trace/script): " + e.what_without_backtrace());
  }
  module_->eval();
  module_->to(device_);
}

void TorchScript::process(Context& ctx) {
  const Image& in = ctx.image_any_device("image");
  const torch::Tensor x = tensor_on(in, device_);
  torch::Tensor out = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  torch::NoGradGuard no_grad;
  for (std::int64_t z = 0; z < x.size(0); z += batch_) {
    const torch::Tensor xs = x.slice(0, z, std::min(z + batch_, x.size(0)));
    const SliceRange r = slice_range(xs);
    std::vector<torch::Tensor> result = tensors_of(module_->forward({normalise_ ? to_unit(xs, r) : xs.clone()}));
    const torch::Tensor& y = result.at(0);
    if (y.sizes() != xs.sizes())
      throw InputError(file_.string() + ": the module returned shape " + c10::str(y.sizes()) + " for input " +
                       c10::str(xs.sizes()) + "; gan.torchscript needs the same shape");
    out.slice(0, z, z + xs.size(0)).copy_(normalise_ ? from_unit(y.to(torch::kFloat32), r) : y.to(torch::kFloat32));
  }
  Image result = image_where(out, in);
  result.metadata()["gan.torchscript"] = file_.filename().string();
  ctx.output("image", std::move(result));
}

}  // namespace mirflow::gan
