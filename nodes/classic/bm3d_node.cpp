#include <algorithm>

#include <mirflow/error.hpp>

#include "nodes.hpp"
#include "noise_sigma.hpp"
#include "strength.hpp"

namespace mirflow::classic {

Bm3d::Bm3d(const NodeConfig& c)
    : sigma_(sigma_from(c)), range_(c.params.get_float("range")), wiener_(c.params.get_bool("wiener")),
      strength_(strength_from(c)), slice_radius_(static_cast<int>(c.params.get_int("slice_radius"))) {}

NodeSpec Bm3d::spec() {
  return NodeSpec("classic.bm3d",
                  "BM3D (Dabov et al. 2007), both steps, Lebrun's (IPOL 2012) parameters; a volume's groups gather "
                  "patches of neighbouring slices; output float32.")
      .input("image", kImagePort,
             "2-D slice or 3-D volume, any dtype; slices at least 2x2 (patches are 8x8, or the slice's smaller "
             "side below that)")
      .output("image", kImagePort, "denoised image, float32, same geometry")
      .param(sigma_param())
      .param(ParamSpec::Float("range", 0.0,
                              "intensity span mapped to 0-255, the scale of the matching thresholds "
                              "(0: the item's max - min, one span for a whole volume)")
                 .range(0, 1e30).in_unit("image units"))
      .param(ParamSpec::Bool("wiener", true, "run the second (Wiener) step; false: the basic estimate"))
      .param(strength_param())
      .param(ParamSpec::Int("slice_radius", 1,
                            "for a volume: candidate patches also from the slices within this distance (0: each slice "
                            "alone, as 2-D BM3D); slices too different (thick, anisotropic voxels) simply do not match")
                 .range(0, 8).in_unit("slices"));
}

void Bm3d::process(Context& ctx) {
  const Image& in = ctx.image("image");
  if (in.nx() < 2 || in.ny() < 2)
    throw InputError("classic.bm3d needs slices of at least 2x2 pixels, got " + in.describe());
  // Slices smaller than Lebrun's 8x8 patch (low-resolution diffusion data can be 6 pixels wide)
  // get patches as large as their smaller side.
  const int patch = static_cast<int>(std::min<std::int64_t>({8, in.nx(), in.ny()}));
  const double sigma = item_sigma(ctx, in, sigma_);
  // One span for the whole item, so that SURE's sample slabs and the final run map intensities to
  // 0–255 alike.
  double range = range_;
  if (!(range > 0)) {
    double lo = in.value(0, 0, 0), hi = lo;
    for (std::int64_t z = 0; z < in.nz(); ++z)
      for (std::int64_t y = 0; y < in.ny(); ++y)
        for (std::int64_t x = 0; x < in.nx(); ++x) lo = std::min(lo, in.value(x, y, z)), hi = std::max(hi, in.value(x, y, z));
    range = hi - lo;
  }
  const int radius = in.nz() > 1 ? slice_radius_ : 0;
  ctx.output("image", denoise_volume(in, sigma, strength_, radius, [&](const std::vector<Plane>& slab, double f) {
    Bm3dOptions o = bm3d_defaults(f * sigma, range);
    o.hard.patch = o.wiener.patch = patch;
    o.wiener_step = wiener_;
    return bm3d_volume(slab, o, radius);
  }, "classic.bm3d"));
}

}  // namespace mirflow::classic
