#include <mirflow/error.hpp>

#include "mirflow_gan/image_tensor.hpp"
#include "mirflow_gan/intensity.hpp"
#include "mirflow_gan/perceptual.hpp"
#include "nodes.hpp"

namespace mirflow::gan {

TorchScript::TorchScript(const NodeConfig& c)
    : file_(c.params.get_path("model")), normalise_(c.params.get_bool("normalise")), batch_(c.params.get_int("batch")) {
  set_torch_threads(c.params.get_int("threads"));
  if (!std::filesystem::exists(file_)) throw InputError(file_.string() + ": TorchScript file not found");
  try {
    module_ = torch::jit::load(file_.string());
  } catch (const c10::Error& e) {
    throw InputError(file_.string() + ": not a TorchScript file LibTorch " + TORCH_VERSION +
                     " can load (export it with PyTorch 1.13's torch.jit.trace/script): " + e.what_without_backtrace());
  }
  module_->eval();
}

NodeSpec TorchScript::spec() {
  return NodeSpec("gan.torchscript",
                  "Runs a TorchScript module (N×1×H×W float32 in, N×1×H×W out) on every slice; float32")
      .serial()
      .input("image", kImagePort, "2-D slice or 3-D volume, any dtype")
      .output("image", kImagePort, "the module's output, float32, same geometry and metadata")
      .param(ParamSpec::Path("model", "TorchScript file (torch.jit.save of a traced or scripted module, PyTorch 1.13)"))
      .param(ParamSpec::Bool("normalise", true,
                             "map each slice to [−1, 1] by its min/max before the module and back after it; false: "
                             "the module sees the image's own units"))
      .param(ParamSpec::Int("batch", 8, "slices per module call").range(1, 4096))
      .param(ParamSpec::Int("threads", 1, "LibTorch intra-op threads (0: leave as is)").range(0, 1024));
}

void TorchScript::process(Context& ctx) {
  const Image& in = ctx.image("image");
  const torch::Tensor x = tensor_view(in);
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
  Image result = image_over(out, in);
  result.metadata()["gan.torchscript"] = file_.filename().string();
  ctx.output("image", std::move(result));
}

}  // namespace mirflow::gan
