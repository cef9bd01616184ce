#include <cstdio>

#include "mirflow_physics/random_phantom.hpp"
#include "mirflow_physics/units.hpp"
#include "nodes.hpp"

namespace mirflow::physics {

RandomPhantomSource::RandomPhantomSource(const NodeConfig& c)
    : nx_(c.params.get_int("nx")),
      ny_(c.params.has("ny") ? c.params.get_int("ny") : c.params.get_int("nx")),
      dx_(c.params.get_float("pixel_size")),
      count_(c.params.get_int("count")),
      first_(c.params.get_int("first")),
      seed_(static_cast<std::uint64_t>(c.params.get_int("seed"))),
      oversample_(static_cast<int>(c.params.get_int("oversample"))),
      hu_(c.params.get_string("units") == "hu") {}

NodeSpec RandomPhantomSource::spec() {
  return NodeSpec("physics.random_phantom",
                  "Seeded random head phantoms (skull, CSF, ventricles, brain with texture, low-contrast lesions, "
                  "calcifications; docs/gan.md), `count` 2-D images; phantom k is a pure function of (seed, first + k).")
      .output("image", kImagePort, "float32 nx×ny in HU (air −1000) or µ in 1/mm (µ_water = 0.0192), centred on the origin")
      .output("labels", kImagePort, "uint8 tissue label at each pixel centre: 0 air, 1 bone, 2 CSF, 3 brain, 4 lesion, 5 calcification")
      .param(ParamSpec::Int("nx", 256, "width").range(1, 65536).in_unit("pixels"))
      .param(ParamSpec::Int("ny", 0, "height (default: nx)").range(1, 65536).in_unit("pixels").optional())
      .param(ParamSpec::Float("pixel_size", 1.0, "pixel size, both axes").range(1e-6, 1e6).in_unit("mm"))
      .param(ParamSpec::Int("count", 1, "number of phantoms (work items)").range(1, 1000000))
      .param(ParamSpec::Int("first", 0, "index of the first phantom (a held-out split: another seed or index range)").range(0, 1000000000000))
      .param(ParamSpec::Int("seed", 0, "phantom stream; the same (seed, index) gives the same bytes").range(0, 1000000000000000))
      .param(ParamSpec::Int("oversample", 3, "sub-pixels per axis averaged into each pixel (partial volume)").range(1, 16))
      .param(ParamSpec::Choice("units", {"hu", "mu"}, "hu", "output units: HU, or µ in 1/mm"));
}

void RandomPhantomSource::process(Context& ctx) {
  std::vector<std::string> labels;
  for (std::int64_t k = 0; k < count_; ++k) {
    char name[64];
    std::snprintf(name, sizeof name, "phantom_s%llu_%06lld", static_cast<unsigned long long>(seed_),
                  static_cast<long long>(first_ + k));
    labels.emplace_back(name);
  }
  ctx.expand(labels, [nx = nx_, ny = ny_, dx = dx_, first = first_, seed = seed_, o = oversample_, hu = hu_](std::int64_t k) -> Outputs {
    RandomPhantom p = random_head_phantom(nx, ny, dx, dx, seed, static_cast<std::uint64_t>(first + k), o);
    Image image = hu ? p.hu : hu_to_mu(p.hu);
    return {{"image", std::any(image)}, {"labels", std::any(p.labels)}};
  });
}

}  // namespace mirflow::physics
