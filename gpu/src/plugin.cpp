// Wires the GPU runtime into the engine: on a machine with a device, the CUDA image allocator
// and the kernels the operators, priors and solver call for device images (install()); and
// nodes that move images between host and device, counting the copies.
#include <mirflow/error.hpp>
#include <mirflow/memory_stats.hpp>
#include <mirflow/plugin.hpp>

#include "mirflow_gpu/device.hpp"

namespace {

using namespace mirflow;

Image moved(const Image& in, Device to) {
  const Image src = in.contiguous() ? in : in.clone();
  Image out = Image::allocate(src.dtype(), src.shape(), src.ndim(), to);
  gpu::copy(out.raw(), src.raw(), src.bytes(), to == Device::CUDA ? 0 : (src.device() == Device::CUDA ? 1 : 2));
  note_copied(src.bytes());
  out.geometry() = src.geometry();
  out.metadata() = src.metadata();
  return out;
}

class Upload final : public Node {
 public:
  explicit Upload(const NodeConfig&) {
    if (gpu::device_count() == 0) throw InputError("gpu.upload: no CUDA device is present");
  }
  static NodeSpec spec() {
    return NodeSpec("gpu.upload", "Copies an image to CUDA device memory (counted as copied).")
        .input("image", kImagePort, "host image")
        .output("image", kImagePort, "device image");
  }
  void process(Context& ctx) override {
    const Image& in = ctx.image_any_device("image");
    ctx.output("image", in.device() == Device::CUDA ? in : moved(in, Device::CUDA));
  }
};

class Download final : public Node {
 public:
  explicit Download(const NodeConfig&) {}
  static NodeSpec spec() {
    return NodeSpec("gpu.download", "Copies an image back to host memory (counted as copied).")
        .input("image", kImagePort, "device image")
        .output("image", kImagePort, "host image");
  }
  void process(Context& ctx) override {
    const Image& in = ctx.image_any_device("image");
    ctx.output("image", in.device() == Device::CPU ? in : moved(in, Device::CPU));
  }
};

}  // namespace

MIRFLOW_PLUGIN("gpu", registry) {
  gpu::install();
  registry.add<Upload>();
  registry.add<Download>();
}
