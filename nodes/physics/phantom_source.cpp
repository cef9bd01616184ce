#include "mirflow_physics/phantom.hpp"
#include "nodes.hpp"

namespace mirflow::physics {

Phantom::Phantom(const NodeConfig& c)
    : nx_(c.params.get_int("nx")),
      ny_(c.params.has("ny") ? c.params.get_int("ny") : c.params.get_int("nx")),
      dx_(c.params.get_float("pixel_size")),
      dy_(c.params.has("pixel_size_y") ? c.params.get_float("pixel_size_y") : c.params.get_float("pixel_size")),
      scale_(c.params.get_float("scale")),
      oversample_(static_cast<int>(c.params.get_int("oversample"))) {}

NodeSpec Phantom::spec() {
  return NodeSpec("physics.phantom", "The modified Shepp–Logan phantom (values 0…1 times scale), one 2-D image.")
      .output("image", kImagePort, "float32 nx×ny, pixel size in its spacing, centred on the origin")
      .param(ParamSpec::Int("nx", 256, "width").range(1, 65536).in_unit("pixels"))
      .param(ParamSpec::Int("ny", 0, "height (default: nx)").range(1, 65536).in_unit("pixels").optional())
      .param(ParamSpec::Float("pixel_size", 1.0, "pixel size along x (and y unless pixel_size_y)").range(1e-6, 1e6).in_unit("mm"))
      .param(ParamSpec::Float("pixel_size_y", 0.0, "pixel size along y (default: pixel_size)").range(1e-6, 1e6).in_unit("mm").optional())
      .param(ParamSpec::Float("scale", 1.0, "multiplies the phantom's values (e.g. 0.0192 for µ in 1/mm with 1 = water)").range(-1e9, 1e9))
      .param(ParamSpec::Int("oversample", 4, "sub-pixels per axis averaged into each pixel").range(1, 16));
}

void Phantom::process(Context& ctx) {
  ctx.expand({"shepp_logan"}, [nx = nx_, ny = ny_, dx = dx_, dy = dy_, scale = scale_, o = oversample_](std::int64_t) -> Outputs {
    Image im = shepp_logan(nx, ny, dx, dy, o);
    if (scale != 1.0) {
      float* p = im.data<float>();
      for (std::int64_t i = 0; i < im.size(); ++i) p[i] = static_cast<float>(p[i] * scale);
    }
    return {{"image", std::any(im)}};
  });
}

}  // namespace mirflow::physics
