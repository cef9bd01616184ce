#pragma once
// The colour family: turning colour images (RGB or YCbCr, as DICOM and PNG hold them) into the
// one value per pixel that every other node computes on.
#include <mirflow/plugin.hpp>

namespace mirflow::colour {

// Colour in, float32 gray out: the luma (ITU-R BT.601 weights, the Y of DICOM's YBR_FULL), or
// one chosen component. A gray image passes through as float32.
class ToGray final : public Node {
 public:
  explicit ToGray(const NodeConfig& c);
  static NodeSpec spec();
  void process(Context& ctx) override;

 private:
  bool luma_;
  int component_;
};

// The luma of a 3-component image in `model` ("RGB", "YBR_FULL", ...: DICOM's names; empty
// means RGB). YCbCr models already hold the luma as component 0, so it is taken as it is.
Image luma(const Image& colour, const std::string& model);

// Component c of an image, as float32.
Image component(const Image& colour, int c);

}  // namespace mirflow::colour
