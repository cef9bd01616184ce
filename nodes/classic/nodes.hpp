#pragma once
// The node types of the classic family (mirflow_classic.so): classical denoising baselines.
// Every one reads a 2-D slice or a 3-D volume of any dtype, filters each slice on its own and
// writes float32 in the input's units, shape, geometry and metadata. The noise level σ is the
// `sigma` parameter (image units), else the input's noise.sigma_estimate metadata, else estimated
// on the item (noise_sigma.hpp); strengths are given as multiples of σ, so that one setting fits
// images of any scale, times the `strength` factor or the factor SURE chooses (strength.hpp).
#include <optional>

#include <mirflow/node.hpp>

#include "bm3d.hpp"
#include "nl_means.hpp"
#include "perona_malik.hpp"
#include "strength.hpp"
#include "wavelet_shrink.hpp"

namespace mirflow::classic {

// Gaussian smoothing (gaussian_filter.hpp).
class Gaussian final : public Node {
 public:
  explicit Gaussian(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  double sigma_, sigma_z_, truncate_;
};

// Non-local means (nl_means.hpp), h = h_sigma·σ.
class NonLocalMeans final : public Node {
 public:
  explicit NonLocalMeans(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::optional<double> sigma_;
  double h_sigma_;
  NlmOptions base_;
  Strength strength_;
};

// BM3D (bm3d.hpp).
class Bm3d final : public Node {
 public:
  explicit Bm3d(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::optional<double> sigma_;
  double range_;
  bool wiener_;
  Strength strength_;
  int slice_radius_;
};

// Total variation, Chambolle's projection (tv_chambolle.hpp), weight = weight_sigma·σ.
class TotalVariation final : public Node {
 public:
  explicit TotalVariation(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::optional<double> sigma_;
  double weight_sigma_, eps_;
  int max_iter_;
  Strength strength_;
};

// Wavelet shrinkage (wavelet_shrink.hpp).
class WaveletShrinkage final : public Node {
 public:
  explicit WaveletShrinkage(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  WaveletShrinkOptions options_;
};

// Perona–Malik diffusion (perona_malik.hpp), κ = kappa_sigma·σ.
class Diffusion final : public Node {
 public:
  explicit Diffusion(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::optional<double> sigma_;
  double kappa_sigma_, dt_;
  int steps_;
  Conductance conductance_;
  Strength strength_;
};

}  // namespace mirflow::classic
