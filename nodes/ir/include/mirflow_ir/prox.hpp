#pragma once
// Priors (regularisers) R and their proximal operators, the z-step of ADMM (BART's prox.c).
//
//   value(x, weight) = weight · R(x)
//   prox(v, τ, out):  out = prox_{τR}(v) = argmin_x  τ·R(x) + ½‖x − v‖²
// R may carry a per-pixel weight map w ≥ 0 (set_weight_map): R(x) = Σ_p w_p r(x_p). Without a map
// w_p = 1. Elementwise priors (L1, non-negativity) take a map of the same shape as x; field
// priors (group L1, Huber) act on two-component fields in GradientOperator's layout (nx × 2·ny:
// x-component plane then y-component plane) and take an nx × ny map, one weight per pixel.
// Inputs and outputs are contiguous float32 images of the same shape; `out` may alias `v`. CUDA
// images run on the device (device_kernels.hpp); a host weight map is copied there once.
#include <memory>
#include <mutex>
#include <string>

#include <mirflow/image.hpp>

namespace mirflow::ir {

class Prior {
 public:
  virtual ~Prior() = default;
  virtual std::string name() const = 0;
  // weight · R(x); +∞ for an indicator prior violated by x.
  virtual double value(const Image& x, double weight = 1.0) const = 0;
  // out = argmin_u τ·R(u) + ½‖u − v‖² (τ ≥ 0).
  virtual void prox(const Image& v, double tau, Image& out) const = 0;
  // Whether value/prox take images in `device`'s memory (default: the host only, so a prior
  // written without CUDA in mind is never handed device pointers; the built-in ones run on both).
  virtual bool runs_on(Device device) const { return device == Device::CPU; }

  // Per-pixel weights (a float32 image, see above); an empty image removes the map.
  void set_weight_map(Image map) {
    std::lock_guard<std::mutex> lock(device_weights_mutex_);
    weights_ = std::move(map);
    device_weights_ = Image{};
  }
  const Image& weight_map() const { return weights_; }

 protected:
  double w(std::int64_t p) const { return weights_.empty() ? 1.0 : double(weights_.data<float>()[p]); }
  // The weight map in the memory of `x` (null without a map); a device copy is made once.
  const float* weights_for(const Image& x) const;
  Image weights_;

 private:
  mutable std::mutex device_weights_mutex_;
  mutable Image device_weights_;
};

// R(x) = Σ w_p |x_p|.  prox: soft threshold, sign(v)·max(|v| − τw, 0).
class L1Prior final : public Prior {
 public:
  std::string name() const override { return "l1"; }
  double value(const Image& x, double weight = 1.0) const override;
  void prox(const Image& v, double tau, Image& out) const override;
  bool runs_on(Device) const override { return true; }
};

// Isotropic group L1 on a field of `components` stacked planes (default 2, GradientOperator's
// layout; TGV's symmetrised gradient uses 3): R(g) = Σ_p w_p ‖g_p‖₂, g_p the vector of the
// components at pixel p (TV when g = ∇x). prox: group soft threshold, g_p·max(1 − τw_p/‖g_p‖, 0).
// The weight map has one weight per pixel (size of one plane).
class GroupL1Prior final : public Prior {
 public:
  explicit GroupL1Prior(int components = 2);
  std::string name() const override { return "group_l1"; }
  double value(const Image& g, double weight = 1.0) const override;
  void prox(const Image& v, double tau, Image& out) const override;
  bool runs_on(Device) const override { return true; }
  int components() const { return components_; }

 private:
  int components_;
};

// Huber function of the magnitude of a two-component field: R(g) = Σ_p w_p h_δ(‖g_p‖₂),
//   h_δ(r) = r²/(2δ) for r ≤ δ,  r − δ/2 for r > δ   (δ > 0; δ → 0 gives group L1).
// prox (closed form, t = τ·w_p): the magnitude r becomes r·δ/(δ + t) when r ≤ δ + t, r − t
// otherwise; the direction is kept.
class HuberPrior final : public Prior {
 public:
  explicit HuberPrior(double delta);
  std::string name() const override { return "huber"; }
  double value(const Image& g, double weight = 1.0) const override;
  void prox(const Image& v, double tau, Image& out) const override;
  bool runs_on(Device) const override { return true; }
  double delta() const { return delta_; }

 private:
  double delta_;
};

// The indicator of {x ≥ 0}: 0 or +∞. prox: projection max(v, 0) (weights and τ do not matter).
class NonNegativePrior final : public Prior {
 public:
  std::string name() const override { return "nonneg"; }
  double value(const Image& x, double weight = 1.0) const override;
  void prox(const Image& v, double tau, Image& out) const override;
  bool runs_on(Device) const override { return true; }
};

}  // namespace mirflow::ir
