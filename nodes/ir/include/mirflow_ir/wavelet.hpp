#pragma once
// The Daubechies-4 orthonormal wavelet transform (Daubechies 1988), periodised and multilevel,
// as a LinearOperator for the wavelet-L1 prior.
//
// Filters: scaling h = (1+√3, 3+√3, 3−√3, 1−√3)/(4√2), wavelet g_k = (−1)^k h_{3−k}. One level on
// a periodic line of even length n: a_k = Σ_m h_m x_{(2k+m) mod n}, d_k = Σ_m g_m x_{(2k+m) mod n}
// (k < n/2), stored as (a, d); the synthesis is the transpose. A 2-D level transforms every row
// of the current coarse block, then every column; the next level works on its top-left
// quarter. After `levels` levels the range holds the coarse band in the top-left
// (nxp/2^L × nyp/2^L) and the detail bands around it (Mallat layout).
//
// Sizes that are not multiples of 2^L: x is zero-padded to nxp × nyp (the next multiples of 2^L,
// bottom and right) and, optionally, circularly shifted by (sx, sy) on that grid (random shifts
// make a union of bases; translation invariance on average). K = W·S·P with W orthogonal, S a
// permutation and P an isometry, so KᴴK = I: the adjoint (crop∘unshift∘synthesis) is the exact
// left inverse, and the normal-inverse hook applies (with uniform weights).
#include <array>
#include <cstdint>

#include <mirflow_physics/operator.hpp>

namespace mirflow::ir {

// Daubechies-4 scaling filter taps h0 … h3 (computed from the closed form above).
std::array<double, 4> daubechies4_taps();

class Daubechies4Wavelet final : public physics::LinearOperator {
 public:
  // `image`: a real space; levels ≥ 1; shift: circular shift on the padded grid, in pixels.
  Daubechies4Wavelet(physics::Space image, int levels, std::array<std::int64_t, 2> shift = {0, 0});
  std::string name() const override { return "daubechies4"; }
  physics::Space domain() const override { return image_; }
  physics::Space range() const override { return range_; }
  void apply_into(const Image& x, const Image& c) const override;
  void adjoint_into(const Image& c, const Image& x) const override;
  bool normal_diagonal(const Image& W, const Image& diagonal) const override;  // 1 when W is empty
  bool runs_on(Device) const override { return true; }

  int levels() const { return levels_; }
  // Per-coefficient weights (range-shaped): 0 on the coarse band (never thresholded); on a
  // detail coefficient of level l the value of `pixel_map` (image-shaped; empty: 1) at the
  // centre of the coefficient's 2^l × 2^l dyadic block, mapped back through the shift and
  // clamped into the image.
  Image coefficient_weights(const Image& pixel_map) const;

 private:
  void forward_inplace(float* c) const;
  void inverse_inplace(float* c) const;
  physics::Space image_, range_;
  int levels_;
  std::array<std::int64_t, 2> shift_;
};

}  // namespace mirflow::ir
