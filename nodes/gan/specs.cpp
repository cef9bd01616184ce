// The declarations of the gan nodes: compiled into the plugin itself, without LibTorch, so that
// graphs validate and the CLI lists the nodes without loading the backend (see backend.hpp).
#include "specs.hpp"

namespace mirflow::gan {

NodeSpec denoise_spec() {
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
      .param(ParamSpec::Int("ensemble", 1,
                            "geometric self-ensemble: the mean of the network over this many flips/transposes of each "
                            "tile, mapped back (1, 2, 4 or 8; costs as many network runs)")
                 .range(1, 8))
      .param(ParamSpec::Choice("device", {"cpu", "cuda"}, "cpu",
                               "where the network runs: the host, or CUDA device 0 (needs a CUDA LibTorch); CUDA images "
                               "are handed to LibTorch without a copy, and the output lives where the input did"))
      .param(ParamSpec::Int("threads", 1,
                            "LibTorch intra-op threads (0: leave as is); items already run in parallel on the engine's "
                            "threads, so more than 1 only helps a single large item")
                 .range(0, 1024));
}

NodeSpec torchscript_spec() {
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
      .param(ParamSpec::Choice("device", {"cpu", "cuda"}, "cpu",
                               "where the network runs: the host, or CUDA device 0 (needs a CUDA LibTorch); CUDA images "
                               "are handed to LibTorch without a copy, and the output lives where the input did"))
      .param(ParamSpec::Int("threads", 1, "LibTorch intra-op threads (0: leave as is)").range(0, 1024));
}

}  // namespace mirflow::gan
