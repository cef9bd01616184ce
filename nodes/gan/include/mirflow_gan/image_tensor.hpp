#pragma once
// mirflow::Image ↔ torch::Tensor without copying pixels where the layouts allow it. An image's
// x varies fastest, so a contiguous float32 nx×ny×nz image is the row-major tensor nz×1×ny×nx.
#include <mirflow/image.hpp>
#include <torch/torch.h>

namespace mirflow::gan {

// nz×1×ny×nx float32 over the image's own storage when it is contiguous float32 (the tensor's
// deleter holds a copy of the Image, so the storage outlives the tensor); otherwise, on the CPU,
// over a converted copy. A CUDA image becomes a CUDA tensor over the same device memory (device
// 0); it must be contiguous float32, and LibTorch must have CUDA (std::runtime_error otherwise).
// Read-only by contract: node inputs are shared.
torch::Tensor tensor_view(const Image& img);

// An Image over a contiguous float32 tensor's memory (the storage holds the tensor), with
// `like`'s shape, geometry and metadata; in CUDA memory when the tensor is. t must have
// like.size() elements.
Image image_over(const torch::Tensor& t, const Image& like);

// tensor_view(img) on device d: the view itself when the image already lives there (no copy),
// else one copy (counted as copied).
torch::Tensor tensor_on(const Image& img, torch::Device d);

// image_over(t, like) with t first moved to the memory `like` lives in (one counted copy when
// it is elsewhere): a node's output lives where its input did.
Image image_where(const torch::Tensor& t, const Image& like);

// The device a gan node's `device` parameter names ("cpu" or "cuda"): InputError naming the
// parameter when it is "cuda" and this LibTorch has no CUDA or sees no device.
torch::Device torch_device_from_param(const std::string& value);

}  // namespace mirflow::gan
