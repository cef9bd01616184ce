#include "to_gray.hpp"

#include <string>

namespace mirflow::colour {

namespace {

// A float32 scalar image shaped like `src`, with its geometry and metadata.
Image scalar_like(const Image& src) {
  Image out = Image::allocate(DType::F32, src.shape(), src.ndim());
  out.geometry() = src.geometry();
  out.metadata() = src.metadata();
  if (out.metadata().count("dicom.PhotometricInterpretation")) out.metadata()["dicom.PhotometricInterpretation"] = "MONOCHROME2";
  return out;
}

// out(x, y, z) = Σ_c w[c] · src(x, y, z, c).
Image weighted_sum(const Image& src, const double* w) {
  Image out = scalar_like(src);
  float* d = out.data<float>();
  for (std::int64_t z = 0; z < src.nz(); ++z)
    for (std::int64_t y = 0; y < src.ny(); ++y)
      for (std::int64_t x = 0; x < src.nx(); ++x) {
        double v = 0;
        for (int c = 0; c < src.components(); ++c) v += w[c] * src.value(x, y, z, c);
        *d++ = static_cast<float>(v);
      }
  return out;
}

}  // namespace

Image component(const Image& colour, int c) {
  if (c < 0 || c >= colour.components())
    throw InputError("component " + std::to_string(c) + " of " + colour.describe() + " does not exist");
  double w[4] = {0, 0, 0, 0};
  w[c] = 1.0;
  return weighted_sum(colour, w);
}

Image luma(const Image& colour, const std::string& model) {
  if (colour.components() == 1) return component(colour, 0);
  if (colour.components() != 3)
    throw InputError("luma needs a gray or 3-component image, got " + colour.describe());
  if (model.rfind("YBR", 0) == 0) return component(colour, 0);
  if (!model.empty() && model != "RGB")
    throw InputError("cannot take the luma of colour model '" + model + "' (" + colour.describe() + ")");
  const double bt601[3] = {0.299, 0.587, 0.114};
  return weighted_sum(colour, bt601);
}

ToGray::ToGray(const NodeConfig& c)
    : luma_(c.params.get_string("method") == "luma"), component_(static_cast<int>(c.params.get_int("component"))) {}

NodeSpec ToGray::spec() {
  return NodeSpec("colour.to_gray", "Colour (RGB or YCbCr) to one float32 value per pixel: the luma or one component.")
      .input("image", kImagePort, "a colour or gray image, 2-D or 3-D")
      .output("image", kImagePort, "float32, one value per pixel, same geometry")
      .param(ParamSpec::Choice("method", {"luma", "component"}, "luma",
                               "luma: 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601), or Y for YCbCr data; "
                               "component: the one chosen by 'component'"))
      .param(ParamSpec::Int("component", 0, "which component, for method = \"component\"").range(0, 3));
}

void ToGray::process(Context& ctx) {
  const Image& in = ctx.image_any_components("image");
  if (in.device() != Device::CPU) throw InputError("colour.to_gray needs a CPU image, got " + in.describe());
  const auto it = in.metadata().find("dicom.PhotometricInterpretation");
  const std::string model = in.components() == 1 || it == in.metadata().end() ? "" : it->second;
  ctx.output("image", luma_ ? luma(in, model) : component(in, component_));
}

}  // namespace mirflow::colour
