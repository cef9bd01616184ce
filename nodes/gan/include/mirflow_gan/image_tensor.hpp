#pragma once
// mirflow::Image ↔ torch::Tensor without copying pixels where the layouts allow it. An image's
// x varies fastest, so a contiguous float32 nx×ny×nz image is the row-major tensor nz×1×ny×nx.
#include <mirflow/image.hpp>
#include <torch/torch.h>

namespace mirflow::gan {

// nz×1×ny×nx float32 over the image's own storage when it is contiguous float32 on the CPU (the
// tensor's deleter holds a copy of the Image, so the storage outlives the tensor); otherwise over
// a converted copy. Read-only by contract: node inputs are shared.
torch::Tensor tensor_view(const Image& img);

// An Image over a contiguous float32 tensor's memory (the storage holds the tensor), with
// `like`'s shape, geometry and metadata. t must have like.size() elements.
Image image_over(const torch::Tensor& t, const Image& like);

}  // namespace mirflow::gan
