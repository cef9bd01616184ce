#pragma once
// The node types of the noise family (mirflow_noise.so). Every one reads any dtype, writes
// float32 with the input's shape, geometry and metadata, adds noise.* metadata (noise.sigma: σ in
// image units, for bias correction and metrics downstream), and draws from the stream of
// (seed, ctx.key()->tag()): the same seed gives the same bytes on every run and thread count,
// and every slice (every key) gets its own noise. Two noise nodes given the same seed on the
// same items draw the same deviates: give each its own seed.
#include <cstdint>
#include <optional>

#include <mirflow/node.hpp>

#include <mirflow_imgproc/noise_sigma.hpp>

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

// CT and artefact simulators (issue 3). The CT nodes read and write the sinogram port
// (mirflow_physics/sinogram.hpp): line integrals p with their projection geometry.

// Low-dose CT: N ~ Poisson(I0·e^{−p}) + σe·N(0, 1), N floored at count_floor, p̂ = −ln(N/I0).
// I0: the i0 parameter when set, else the input geometry's i0, else 1e4; recorded in the output
// geometry's i0 (statistical weights downstream).
class CtPoisson final : public Node {
 public:
  explicit CtPoisson(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::optional<double> i0_;
  double electronic_sigma_, count_floor_;
  std::uint64_t seed_;
};

// Detector gain errors (rings): p' = p − ln(gain_k), one gain per detector bin k for all views
// and all items (seeded by seed only).
class CtRings final : public Node {
 public:
  explicit CtRings(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  double gain_sigma_;
  std::uint64_t seed_;
};

// MRI rigid-motion ghosting: phase ramps on a random subset of the phase-encode lines (rows).
class MriMotion final : public Node {
 public:
  explicit MriMotion(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  double fraction_, max_shift_;
  bool magnitude_;
  std::uint64_t seed_;
};

// Analysis and transforms of noisy magnitudes (issue 18), on the shared numerics of imgproc.

// The blind noise σ of an item, as metadata noise.sigma_estimate (imgproc/noise_sigma.hpp).
class EstimateSigma final : public Node {
 public:
  explicit EstimateSigma(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  imgproc::SigmaMethod method_;
};

// Rician variance stabilisation f(m/σ) (imgproc/rician_vst.hpp).
class RicianVstForward final : public Node {
 public:
  explicit RicianVstForward(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::optional<double> sigma_;
  imgproc::SigmaMethod method_;
  bool amplitude_;  // the input is a noise-free amplitude: output E[f(m/σ) | A]
};

// Its exact unbiased inverse.
class RicianVstInverse final : public Node {
 public:
  explicit RicianVstInverse(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  std::optional<double> sigma_;
};

}  // namespace mirflow::noise
