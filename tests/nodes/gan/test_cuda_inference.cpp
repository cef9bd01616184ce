// gan.denoise on a CUDA device: the result equals the CPU's, CUDA images reach LibTorch without a
// copy and the output stays on the device; without a CUDA LibTorch the `device` parameter is
// refused by name. Debian's LibTorch is CPU only, so here only the refusal runs; the rest runs on
// the GPU machine with its CUDA LibTorch (scripts/gpu_check.sh).
#include <gtest/gtest.h>

#include <mirflow/error.hpp>
#include <torch/torch.h>

#include "mirflow_gan/image_tensor.hpp"
#include "mirflow_gan/model_file.hpp"
#include "mirflow_gan/node_runner.hpp"
#include "test_support.hpp"

using namespace mirflow;
using namespace mirflow::gan;
namespace fs = std::filesystem;

namespace {

fs::path small_model(const char* dir) {
  torch::manual_seed(21);
  Generator g(GeneratorOptions{3, 3});
  const fs::path file = test::scratch_dir(dir) / "g.pt";
  save_generator(file, g);
  return file;
}

Image volume() {
  Image vol = Image::allocate3d(DType::F32, 45, 37, 3);
  for (std::int64_t z = 0; z < 3; ++z)
    for (std::int64_t y = 0; y < 37; ++y)
      for (std::int64_t x = 0; x < 45; ++x) vol.set_value(x, y, z, 50.0 * double(z + 1) + double((x * 7 + y * 13 + z) % 41));
  return vol;
}

// A CUDA image over a CUDA tensor's memory (the storage keeps the tensor).
Image on_cuda(const Image& host) {
  const torch::Tensor t = tensor_view(host).to(torch::Device(torch::kCUDA, 0)).contiguous();
  auto storage = Storage::wrap(t.data_ptr(), host.bytes(), Device::CUDA, [keep = t](void*) mutable { keep = torch::Tensor(); });
  Image out = Image::view(storage, 0, DType::F32, host.shape(), host.ndim());
  out.geometry() = host.geometry();
  return out;
}

}  // namespace

TEST(GanDevice, CudaIsRefusedByNameWithoutACudaLibTorch) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "this LibTorch has CUDA and a device: the parameter is accepted";
  const fs::path file = small_model("gan_cuda_refused");
  try {
    NodeRunner(test::registry(), "gan.denoise", {{"model", file.string()}, {"device", std::string("cuda")}});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'device'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no CUDA"), std::string::npos) << e.what();
  }
}

TEST(GanDevice, CudaInferenceEqualsTheCpuAndTakesDeviceImagesWithoutACopy) {
  if (!torch::cuda::is_available())
    GTEST_SKIP() << "this LibTorch has no CUDA (Debian's is CPU only): runs on the GPU machine's CUDA LibTorch";
  const fs::path file = small_model("gan_cuda");
  const Image vol = volume();
  // Tiles of 32 with overlap 8 so that tiling runs on the device too.
  const std::map<std::string, ParamValue> common{
      {"model", file.string()}, {"tile", std::int64_t{32}}, {"overlap", std::int64_t{8}}, {"batch", std::int64_t{2}}};
  auto with_device = [&](const char* d) {
    auto p = common;
    p["device"] = std::string(d);
    return p;
  };
  NodeRunner cpu(test::registry(), "gan.denoise", with_device("cpu"));
  NodeRunner gpu(test::registry(), "gan.denoise", with_device("cuda"));
  const Image ref = std::any_cast<Image>(cpu.run("v", {{"image", std::any(vol)}}).at("image"));

  // A host input: computed on the device, returned to the host.
  const Image from_host = std::any_cast<Image>(gpu.run("v", {{"image", std::any(vol)}}).at("image"));
  ASSERT_EQ(from_host.device(), Device::CPU);

  // A device input: LibTorch sees the image's own memory; the output stays on the device.
  const Image dev = on_cuda(vol);
  EXPECT_EQ(tensor_view(dev).data_ptr(), dev.raw()) << "a CUDA image must reach LibTorch without a copy";
  const Image from_device = std::any_cast<Image>(gpu.run("v", {{"image", std::any(dev)}}).at("image"));
  ASSERT_EQ(from_device.device(), Device::CUDA);
  const torch::Tensor back = tensor_view(from_device).to(torch::kCPU);

  const torch::Tensor r = tensor_view(ref);
  const double range = (r.max() - r.min()).item<double>();
  const double d1 = (tensor_view(from_host) - r).abs().max().item<double>();
  const double d2 = (back - r).abs().max().item<double>();
  std::printf("CUDA vs CPU gan.denoise: largest difference %.3g (host input), %.3g (device input), range %.3g\n", d1, d2,
              range);
  EXPECT_LT(d1, 1e-4 * range);
  EXPECT_LT(d2, 1e-4 * range);
}
