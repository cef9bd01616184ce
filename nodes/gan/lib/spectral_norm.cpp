#include "mirflow_gan/spectral_norm.hpp"

#include <cmath>

namespace mirflow::gan {

namespace {
constexpr double kEps = 1e-12;
torch::Tensor unit(const torch::Tensor& x) { return x / (x.norm() + kEps); }
}  // namespace

SNConv2dImpl::SNConv2dImpl(SNConv2dOptions o) : o_(o) {
  // Same initialisation as torch.nn.Conv2d (Kaiming-uniform with a = sqrt(5)).
  weight = register_parameter("weight", torch::empty({o.out, o.in, o.kernel, o.kernel}));
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  const double bound = 1.0 / std::sqrt(static_cast<double>(o.in * o.kernel * o.kernel));
  bias = register_parameter("bias", torch::empty({o.out}).uniform_(-bound, bound));
  u = register_buffer("u", unit(torch::randn({o.out})));
  v = register_buffer("v", unit(torch::randn({o.in * o.kernel * o.kernel})));
}

torch::Tensor SNConv2dImpl::normalised_weight() {
  const torch::Tensor w = weight.reshape({o_.out, -1});
  torch::Tensor uu = u, vv = v;
  if (is_training()) {
    torch::NoGradGuard no_grad;
    const torch::Tensor wd = w.detach();
    for (int i = 0; i < o_.power_iterations; ++i) {
      vv = unit(torch::mv(wd.t(), uu));
      uu = unit(torch::mv(wd, vv));
    }
    u.copy_(uu);
    v.copy_(vv);
    // Fresh tensors for σ: the buffers change in place on the next pass, and autograd (double
    // backward for the gradient penalty) must not see a modified saved tensor.
    uu = uu.clone();
    vv = vv.clone();
  }
  const torch::Tensor sigma = torch::dot(uu, torch::mv(w, vv));
  return weight / sigma;
}

double SNConv2dImpl::sigma_estimate() {
  torch::NoGradGuard no_grad;
  return torch::dot(u, torch::mv(weight.reshape({o_.out, -1}), v)).item<double>();
}

torch::Tensor SNConv2dImpl::forward(const torch::Tensor& x) {
  return torch::conv2d(x, normalised_weight(), bias, o_.stride, o_.padding);
}

}  // namespace mirflow::gan
