#include "gaussian_filter.hpp"
#include <mirflow/plugin.hpp>

namespace mirflow::classic {

// Gaussian smoothing: the simplest classical denoiser, and a baseline for the others.
class Gaussian final : public Node {
 public:
  explicit Gaussian(const NodeConfig& c)
      : sigma_(c.params.get_float("sigma")), sigma_z_(c.params.get_float("sigma_z")),
        truncate_(c.params.get_float("truncate")) {}

  static NodeSpec spec() {
    return NodeSpec("classic.gaussian", "Gaussian smoothing (scipy.ndimage 'reflect' boundaries); output float32.")
        .input("image", kImagePort, "2-D slice or 3-D volume")
        .output("image", kImagePort, "smoothed image, float32, same geometry")
        .param(ParamSpec::Float("sigma", 1.0, "standard deviation in-plane (x and y)").range(0, 100).in_unit("pixels"))
        .param(ParamSpec::Float("sigma_z", 0.0, "standard deviation along z for volumes (0: slices independently)")
                   .range(0, 100).in_unit("pixels"))
        .param(ParamSpec::Float("truncate", 4.0, "kernel radius in standard deviations").range(0.5, 20));
  }

  void process(Context& ctx) override {
    ctx.output("image", gaussian_filter(ctx.image("image"), {sigma_, sigma_, sigma_z_}, truncate_));
  }

 private:
  double sigma_, sigma_z_, truncate_;
};

}  // namespace mirflow::classic

MIRFLOW_PLUGIN("classic", registry) { registry.add<mirflow::classic::Gaussian>(); }
