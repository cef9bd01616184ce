#pragma once
// The ir node family: image reconstruction from measurements.
#include <memory>
#include <optional>
#include <vector>

#include <mirflow/plugin.hpp>

#include "mirflow_ir/edge_potential.hpp"
#include "mirflow_ir/os_sqs.hpp"
#include "mirflow_ir/regulariser.hpp"
#include "mirflow_physics/fbp.hpp"

namespace mirflow::ir {

// Sinogram → image by filtered back-projection (parallel and fan beam).
class Fbp final : public Node {
 public:
  explicit Fbp(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  physics::FbpOptions options_;
  bool hu_;
};

// Measurement → image by ADMM with the priors of the "prior" component slot (admm_node.cpp).
class AdmmNode final : public Node {
 public:
  explicit AdmmNode(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

  struct PriorEntry {
    std::shared_ptr<const Regulariser> regulariser;
    double beta;
  };
  enum class Op { Auto, Identity, Projector, GaussianBlur };
  enum class Rician { None, Pre, Post };
  enum class Scale { Percentile, Sigma, None };

 private:
  Op op_;
  double blur_sigma_;
  std::optional<std::int64_t> nx_, ny_;
  std::optional<double> pixel_size_;
  double gamma_;
  bool warm_start_, nonnegative_, ct_weights_, hu_;
  std::optional<double> i0_, sigma_;
  std::optional<double> rho_;        // unset: chosen by the measurement (process)
  std::optional<bool> balance_rho_;  // unset: chosen by the measurement
  std::optional<bool> circulant_;    // preconditioner; unset ("auto"): chosen by the measurement
  bool rician_noise_;
  Rician rician_;
  Scale scale_;
  int levels_;
  Device device_ = Device::CPU;  // where the iterations run
  AdmmOptions options_;
  std::vector<PriorEntry> priors_;
  std::optional<double> strength_;  // factor on every β; unset: chosen by SURE per item
};

// Sinogram → image by penalised weighted least squares with an edge-preserving neighbour prior,
// solved by ordered subsets with momentum (pwls_node.cpp, mirflow_ir/os_sqs.hpp).
class PwlsNode final : public Node {
 public:
  explicit PwlsNode(const NodeConfig& config);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  EdgePotential potential_;
  double beta_;
  bool image_noise_rule_;  // beta_rule = "image_noise"
  std::optional<int> subsets_;  // unset: chosen from the views and the grid
  std::optional<double> i0_, electronic_sigma_;
  PwlsOptions options_;
  bool hu_;
};

}  // namespace mirflow::ir
