#pragma once
// The node types of the noise family (mirflow_noise.so). Every one reads any dtype, writes
// float32 with the input's shape, geometry and metadata, adds noise.* metadata (noise.sigma: σ in
// image units, for bias correction and metrics downstream), and draws from the stream of
// (seed, ctx.key()->tag()): the same seed gives the same bytes on every run and thread count,
// and every slice (every key) gets its own noise. Two noise nodes given the same seed on the
// same items draw the same deviates: give each its own seed.
#include <mirflow/node.hpp>

#include "noise_params.hpp"

namespace mirflow::noise {

// Additive Gaussian noise: out(x) = in(x) + σ(x)·g(x), σ(x) = σ or σ·sigma_map(x).
class Gaussian final : public Node {
 public:
  explicit Gaussian(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  NoiseParams p_;
};

// MRI magnitude (Rician) noise: |A·e^{iφ} + σ(g_re + i·g_im)|.
class Rician final : public Node {
 public:
  explicit Rician(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  NoiseParams p_;
  double phase_;
};

// Multi-coil MRI magnitude noise: sum of squares over N coils (noncentral chi, 2N degrees of freedom).
class NcChi final : public Node {
 public:
  explicit NcChi(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  NoiseParams p_;
  double phase_;
  int coils_;
};

}  // namespace mirflow::noise
