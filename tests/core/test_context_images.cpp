// What Context hands a node: image() gives host images with one value per pixel,
// image_any_components() host images with colour, image_any_device() one value per pixel in
// either memory; each refusal is an InputError that names the port and the remedy. The device
// image is host memory labelled CUDA (no device is needed to check that nothing reads it).
#include <gtest/gtest.h>

#include <map>

#include <mirflow/error.hpp>
#include <mirflow/node.hpp>

using namespace mirflow;

namespace {

class Inputs final : public Context {
 public:
  std::map<std::string, std::any> in;
  const std::string& node_id() const override { return id_; }
  const KeyPtr& key() const override { return key_; }
  bool has(std::string_view port) const override { return in.count(std::string(port)) > 0; }
  const std::any& input_any(std::string_view port) const override { return in.at(std::string(port)); }
  void output(std::string_view, std::any) override {}
  void emit(KeyPtr, Outputs) override {}
  void expand(std::vector<std::string>, std::function<Outputs(std::int64_t)>) override {}

 private:
  std::string id_ = "n";
  KeyPtr key_ = Key::root("item");
};

Image labelled_cuda(int components) {
  const std::size_t bytes = std::size_t(4 * 3 * components) * sizeof(float);
  auto* mem = new float[4 * 3 * components]();
  auto storage = Storage::wrap(mem, bytes, Device::CUDA, [](void* p) { delete[] static_cast<float*>(p); });
  return Image::view(storage, 0, DType::F32, {4, 3, 1}, 2, {0, 0, 0}, components);
}

std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST(ContextImages, DeviceAndColourImagesReachOnlyTheNodesThatAskForThem) {
  Inputs ctx;
  ctx.in["grey_host"] = Image::allocate2d(DType::F32, 4, 3);
  ctx.in["colour_host"] = Image::allocate(DType::U8, {4, 3, 1}, 2, Device::CPU, 3);
  ctx.in["grey_cuda"] = labelled_cuda(1);
  ctx.in["colour_cuda"] = labelled_cuda(3);

  EXPECT_EQ(refusal([&] { ctx.image("grey_host"); }), "(accepted)");
  EXPECT_EQ(refusal([&] { ctx.image_any_components("colour_host"); }), "(accepted)");
  EXPECT_EQ(refusal([&] { ctx.image_any_device("grey_cuda"); }), "(accepted)");
  EXPECT_EQ(refusal([&] { ctx.image_any_device("grey_host"); }), "(accepted)");

  std::string m = refusal([&] { ctx.image("grey_cuda"); });
  EXPECT_NE(m.find("input 'grey_cuda'"), std::string::npos) << m;
  EXPECT_NE(m.find("cuda memory"), std::string::npos) << m;
  EXPECT_NE(m.find("gpu.download"), std::string::npos) << m;
  m = refusal([&] { ctx.image_any_components("colour_cuda"); });
  EXPECT_NE(m.find("gpu.download"), std::string::npos) << m;
  m = refusal([&] { ctx.image("colour_host"); });
  EXPECT_NE(m.find("colour.to_gray"), std::string::npos) << m;
  m = refusal([&] { ctx.image_any_device("colour_cuda"); });
  EXPECT_NE(m.find("colour.to_gray"), std::string::npos) << m;
}
