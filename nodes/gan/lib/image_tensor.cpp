#include "mirflow_gan/image_tensor.hpp"

#include <stdexcept>

#include <mirflow/error.hpp>
#include <mirflow/memory_stats.hpp>

namespace mirflow::gan {

torch::Tensor tensor_view(const Image& img) {
  if (img.components() != 1) throw std::invalid_argument("gan: one value per pixel needed, got " + img.describe());
  if (img.device() == Device::CUDA) {
    if (!torch::cuda::is_available())
      throw std::runtime_error("gan: the image is in CUDA memory but this LibTorch has no CUDA (or sees no device)");
    if (img.dtype() != DType::F32 || !img.contiguous())
      throw std::invalid_argument("gan: a CUDA image must be contiguous float32, got " + img.describe());
    return torch::from_blob(img.raw(), {img.nz(), 1, img.ny(), img.nx()}, [keep = img](void*) mutable { keep = Image(); },
                            torch::TensorOptions().dtype(torch::kFloat32).device(torch::Device(torch::kCUDA, 0)));
  }
  Image src = img;
  if (src.dtype() != DType::F32) src = src.astype(DType::F32);
  if (!src.contiguous()) src = src.clone();
  return torch::from_blob(const_cast<float*>(src.data<float>()), {src.nz(), 1, src.ny(), src.nx()},
                          [keep = src](void*) mutable { keep = Image(); }, torch::kFloat32);
}

Image image_over(const torch::Tensor& t, const Image& like) {
  const torch::Tensor c = t.to(torch::kFloat32).contiguous();
  if (c.numel() != like.size()) throw std::invalid_argument("image_over: element count differs from the image's");
  auto storage = Storage::wrap(c.data_ptr(), static_cast<std::size_t>(c.numel()) * sizeof(float),
                               c.is_cuda() ? Device::CUDA : Device::CPU, [keep = c](void*) mutable { keep = torch::Tensor(); });
  Image out = Image::view(storage, 0, DType::F32, like.shape(), like.ndim());
  out.geometry() = like.geometry();
  out.metadata() = like.metadata();
  return out;
}

torch::Tensor tensor_on(const Image& img, torch::Device d) {
  const torch::Tensor v = tensor_view(img);
  if (v.device() == d) return v;
  note_copied(img.bytes());
  return v.to(d);
}

Image image_where(const torch::Tensor& t, const Image& like) {
  const torch::Device d = like.device() == Device::CUDA ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (t.device() == d) return image_over(t, like);
  note_copied(static_cast<std::size_t>(t.numel()) * sizeof(float));
  return image_over(t.to(d), like);
}

torch::Device torch_device_from_param(const std::string& value) {
  if (value != "cuda") return torch::kCPU;
  if (!torch::cuda::is_available())
    throw InputError(std::string("parameter 'device' is \"cuda\" but this LibTorch (") + TORCH_VERSION +
                     ") has no CUDA or sees no device; use device = \"cpu\"");
  return torch::Device(torch::kCUDA, 0);
}

}  // namespace mirflow::gan
