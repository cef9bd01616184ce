#include "mirflow_gan/perceptual.hpp"

#include <stdexcept>

#include <mirflow/error.hpp>

namespace mirflow::gan {

std::vector<torch::Tensor> tensors_of(const c10::IValue& v) {
  std::vector<torch::Tensor> out;
  if (v.isTensor()) {
    out.push_back(v.toTensor());
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) out.push_back(e.toTensor());
  } else if (v.isList()) {
    for (const auto& e : v.toListRef()) out.push_back(e.toTensor());
  } else {
    throw std::runtime_error("a TorchScript module returned " + v.tagKind() + ", expected a tensor or a tuple of tensors");
  }
  return out;
}

PerceptualLoss::PerceptualLoss(const std::filesystem::path& file) : file_(file) {
  if (!std::filesystem::exists(file)) throw InputError(file.string() + ": perceptual network file not found");
  try {
    net_ = torch::jit::load(file.string());
  } catch (const c10::Error& e) {
    throw InputError(file.string() + ": not a TorchScript file LibTorch " + TORCH_VERSION + " can load (" +
                     e.what_without_backtrace() + ")");
  }
  net_->eval();
  for (auto p : net_->parameters()) p.requires_grad_(false);
}

torch::Tensor PerceptualLoss::operator()(const torch::Tensor& fake, const torch::Tensor& real, Discriminator& critic) {
  std::vector<torch::Tensor> ff, fr;
  if (net_) {
    ff = tensors_of(net_->forward({fake.repeat({1, 3, 1, 1})}));
    {
      torch::NoGradGuard no_grad;
      fr = tensors_of(net_->forward({real.repeat({1, 3, 1, 1})}));
    }
  } else {
    ff = critic->forward(fake).features;
    torch::NoGradGuard no_grad;
    fr = critic->forward(real).features;
  }
  torch::Tensor loss = torch::zeros({}, fake.options());
  for (std::size_t i = 0; i < ff.size(); ++i) loss = loss + torch::l1_loss(ff[i], fr[i].detach());
  return loss / static_cast<double>(ff.size());
}

std::string PerceptualLoss::describe() const {
  return net_ ? "TorchScript features of " + file_.string() : "the critic's intermediate features (no perceptual network given)";
}

}  // namespace mirflow::gan
