#include "mirflow_ir/priors.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>

#include "mirflow_ir/gradient.hpp"
#include "mirflow_ir/planes.hpp"
#include "mirflow_ir/prox.hpp"
#include "mirflow_ir/tgv_operators.hpp"
#include "mirflow_ir/wavelet.hpp"

namespace mirflow::ir {

using physics::Space;

namespace {

void check_beta(const char* who, double beta) {
  if (!(beta >= 0)) throw std::invalid_argument(std::string(who) + ": beta must be ≥ 0, got " + std::to_string(beta));
}

// The β map as a float32 image of the image's shape (empty stays empty).
Image pixel_map(const char* who, const PriorContext& ctx) {
  if (ctx.beta_map.empty()) return {};
  if (ctx.beta_map.size() != ctx.image.size())
    throw std::invalid_argument(std::string(who) + ": the β map has " + std::to_string(ctx.beta_map.size()) +
                                " pixels, the image " + std::to_string(ctx.image.size()));
  Image m = physics::as_contiguous_f32(ctx.beta_map);
  const float* p = m.data<float>();
  for (std::int64_t i = 0; i < m.size(); ++i)
    if (!(p[i] >= 0)) throw std::invalid_argument(std::string(who) + ": the β map has a negative or NaN value");
  return m;
}

// The per-pixel map repeated on `copies` stacked planes (a field's weights).
Image repeat_planes(const Image& map, const Space& image, int copies) {
  if (map.empty()) return {};
  Space s = image;
  s.ny = image.ny * copies;
  Image out = s.allocate();
  for (int c = 0; c < copies; ++c)
    std::copy(map.data<float>(), map.data<float>() + image.size(), out.data<float>() + c * image.size());
  return out;
}

std::shared_ptr<const physics::LinearOperator> gradient_of_x(const PriorContext& ctx) {
  return on_planes(std::make_shared<GradientOperator>(ctx.image), ctx.variable, ctx.image, 0);
}

}  // namespace

void TvRegulariser::contribute(const PriorContext& ctx, double beta, AdmmProblem& P) const {
  check_beta("tv", beta);
  auto prior = std::make_shared<GroupL1Prior>(2);
  prior->set_weight_map(pixel_map("tv", ctx));
  P.terms.push_back({gradient_of_x(ctx), prior, beta});
}

HuberRegulariser::HuberRegulariser(double delta) : delta_(delta) {
  if (!(delta > 0)) throw std::invalid_argument("huber: delta must be > 0, got " + std::to_string(delta));
}

void HuberRegulariser::contribute(const PriorContext& ctx, double beta, AdmmProblem& P) const {
  check_beta("huber", beta);
  auto prior = std::make_shared<HuberPrior>(delta_);
  prior->set_weight_map(pixel_map("huber", ctx));
  P.terms.push_back({gradient_of_x(ctx), prior, beta});
}

TgvRegulariser::TgvRegulariser(double alpha0, double alpha1) : alpha0_(alpha0), alpha1_(alpha1) {
  if (!(alpha0 > 0) || !(alpha1 > 0))
    throw std::invalid_argument("tgv: alpha0 and alpha1 must be > 0, got " + std::to_string(alpha0) + ", " +
                                std::to_string(alpha1));
}

void TgvRegulariser::contribute(const PriorContext& ctx, double beta, AdmmProblem& P) const {
  check_beta("tgv", beta);
  const Image map = pixel_map("tgv", ctx);
  const int w = ctx.first_aux_plane;
  if (w < 1) throw std::invalid_argument("tgv: its two auxiliary planes must follow x (first_aux_plane ≥ 1)");
  auto first = std::make_shared<GroupL1Prior>(2);
  first->set_weight_map(map);
  P.terms.push_back({std::make_shared<GradientMinusField>(ctx.variable, ctx.image, 0, w), first, beta * alpha1_});
  auto second = std::make_shared<GroupL1Prior>(3);
  second->set_weight_map(map);
  P.terms.push_back({on_planes(std::make_shared<SymmetrisedGradient>(ctx.image), ctx.variable, ctx.image, w), second,
                     beta * alpha0_});
}

WaveletRegulariser::WaveletRegulariser(int levels, int shifts, std::uint64_t seed)
    : levels_(levels), shifts_(shifts), seed_(seed) {
  if (levels < 1 || levels > 16) throw std::invalid_argument("wavelet: levels must be in 1 … 16, got " + std::to_string(levels));
  if (shifts < 0) throw std::invalid_argument("wavelet: shifts must be ≥ 0");
}

void WaveletRegulariser::contribute(const PriorContext& ctx, double beta, AdmmProblem& P) const {
  check_beta("wavelet", beta);
  const Image map = pixel_map("wavelet", ctx);
  const int count = shifts_ == 0 ? 1 : shifts_;
  std::mt19937_64 rng(seed_);
  std::uniform_int_distribution<std::int64_t> pick(0, (std::int64_t{1} << levels_) - 1);
  for (int s = 0; s < count; ++s) {
    std::array<std::int64_t, 2> shift{0, 0};
    if (shifts_ > 0) shift = {pick(rng), pick(rng)};
    auto W = std::make_shared<Daubechies4Wavelet>(ctx.image, levels_, shift);
    auto prior = std::make_shared<L1Prior>();
    prior->set_weight_map(W->coefficient_weights(map));
    P.terms.push_back({on_planes(W, ctx.variable, ctx.image, 0), prior, beta / count});
  }
}

AnatomicalRegulariser::AnatomicalRegulariser(double eta) : eta_(eta) {
  if (!(eta >= 0)) throw std::invalid_argument("anatomical: eta must be ≥ 0");
}

void AnatomicalRegulariser::contribute(const PriorContext& ctx, double beta, AdmmProblem& P) const {
  check_beta("anatomical", beta);
  if (ctx.guide.empty()) throw std::invalid_argument("anatomical: the prior needs a guide image (none was given)");
  if (!ctx.image.matches(ctx.guide))
    throw std::invalid_argument("anatomical: the guide " + ctx.guide.describe() + " does not match the image " +
                                ctx.image.describe());
  auto grad = std::make_shared<GradientOperator>(ctx.image);
  Image target = grad->apply(ctx.guide);
  float* t = target.data<float>();
  for (std::int64_t i = 0; i < target.size(); ++i) t[i] = float(eta_ * double(t[i]));
  P.quadratic.push_back({on_planes(grad, ctx.variable, ctx.image, 0), target, beta,
                         repeat_planes(pixel_map("anatomical", ctx), ctx.image, 2)});
}

void L1Regulariser::contribute(const PriorContext& ctx, double beta, AdmmProblem& P) const {
  check_beta("l1", beta);
  auto prior = std::make_shared<L1Prior>();
  prior->set_weight_map(pixel_map("l1", ctx));
  P.terms.push_back({plane_selector(ctx.variable, ctx.image, 0, 1), prior, beta});
}

}  // namespace mirflow::ir
