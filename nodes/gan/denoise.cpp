#include <mirflow/error.hpp>

#include "mirflow_gan/image_tensor.hpp"
#include "mirflow_gan/intensity.hpp"
#include "mirflow_gan/model_file.hpp"
#include "nodes.hpp"

namespace mirflow::gan {

void set_torch_threads(std::int64_t threads) {
  if (threads > 0) at::set_num_threads(static_cast<int>(threads));
}

Denoise::Denoise(const NodeConfig& c)
    : file_(c.params.get_path("model")),
      tiles_{c.params.get_int("tile"), c.params.get_int("overlap")},
      batch_(c.params.get_int("batch")) {
  if (tiles_.overlap >= tiles_.tile) throw InputError("parameter 'overlap' must be smaller than 'tile'");
  set_torch_threads(c.params.get_int("threads"));
  net_ = load_generator(file_).generator;
}

NodeSpec Denoise::spec() {
  return NodeSpec("gan.denoise",
                  "GAN denoiser (U-Net generator from `mirflow train`): each slice is mapped to [−1, 1] by its own "
                  "min/max, denoised, and mapped back to its units; float32")
      .input("image", kImagePort, "2-D slice or 3-D volume (slices along z are denoised independently), any dtype")
      .output("image", kImagePort, "denoised image, float32, same geometry and metadata")
      .param(ParamSpec::Path("model", "model file written by `mirflow train` (models/*.pt)"))
      .param(ParamSpec::Int("tile", 512, "images larger than this are processed in overlapping tiles of this side")
                 .range(32, 1 << 20).in_unit("pixels"))
      .param(ParamSpec::Int("overlap", 64, "pixels shared by neighbouring tiles (blended with linear ramps)")
                 .range(0, 1 << 20).in_unit("pixels"))
      .param(ParamSpec::Int("batch", 8, "slices of a volume per network call").range(1, 4096))
      .param(ParamSpec::Int("threads", 1,
                            "LibTorch intra-op threads (0: leave as is); items already run in parallel on the engine's "
                            "threads, so more than 1 only helps a single large item")
                 .range(0, 1024));
}

void Denoise::process(Context& ctx) {
  const Image& in = ctx.image("image");
  const torch::Tensor x = tensor_view(in);  // nz×1×ny×nx, no copy for contiguous float32
  torch::Tensor out = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  torch::NoGradGuard no_grad;
  const TensorFn net = [this](const torch::Tensor& t) { return net_->forward(t); };
  for (std::int64_t z = 0; z < x.size(0); z += batch_) {
    const torch::Tensor xs = x.slice(0, z, std::min(z + batch_, x.size(0)));
    const SliceRange r = slice_range(xs);
    out.slice(0, z, z + xs.size(0)).copy_(from_unit(run_tiled(net, to_unit(xs, r), tiles_), r));
  }
  Image result = image_over(out, in);
  result.metadata()["gan.model"] = file_.filename().string();
  ctx.output("image", std::move(result));
}

}  // namespace mirflow::gan
