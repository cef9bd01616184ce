#include "mirflow_gan/image_tensor.hpp"

#include <stdexcept>

namespace mirflow::gan {

torch::Tensor tensor_view(const Image& img) {
  if (img.device() != Device::CPU) throw std::runtime_error("gan: CUDA images need a CUDA LibTorch; this one is CPU only");
  if (img.components() != 1) throw std::invalid_argument("gan: one value per pixel needed, got " + img.describe());
  Image src = img;
  if (src.dtype() != DType::F32) src = src.astype(DType::F32);
  if (!src.contiguous()) src = src.clone();
  return torch::from_blob(const_cast<float*>(src.data<float>()), {src.nz(), 1, src.ny(), src.nx()},
                          [keep = src](void*) mutable { keep = Image(); }, torch::kFloat32);
}

Image image_over(const torch::Tensor& t, const Image& like) {
  const torch::Tensor c = t.to(torch::kFloat32).contiguous();
  if (c.numel() != like.size()) throw std::invalid_argument("image_over: element count differs from the image's");
  auto storage = Storage::wrap(c.data_ptr(), static_cast<std::size_t>(c.numel()) * sizeof(float), Device::CPU,
                               [keep = c](void*) mutable { keep = torch::Tensor(); });
  Image out = Image::view(storage, 0, DType::F32, like.shape(), like.ndim());
  out.geometry() = like.geometry();
  out.metadata() = like.metadata();
  return out;
}

}  // namespace mirflow::gan
