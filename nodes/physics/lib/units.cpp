#include "mirflow_physics/units.hpp"

#include "mirflow_physics/operator.hpp"

namespace mirflow::physics {

namespace {
template <class F> Image map(const Image& in, F f) {
  Image out = in.astype(DType::F32);
  float* p = out.data<float>();
  for (std::int64_t i = 0; i < out.size(); ++i) p[i] = static_cast<float>(f(double(p[i])));
  return out;
}
}  // namespace

Image hu_to_mu(const Image& hu, double mu_water) { return map(hu, [=](double v) { return hu_to_mu(v, mu_water); }); }
Image mu_to_hu(const Image& mu, double mu_water) { return map(mu, [=](double v) { return mu_to_hu(v, mu_water); }); }

}  // namespace mirflow::physics
