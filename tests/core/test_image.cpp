#include <gtest/gtest.h>

#include "mirflow/image.hpp"
#include "mirflow/memory_stats.hpp"

using namespace mirflow;

TEST(Image, AllocateIsZeroedContiguousAndCounted) {
  MemoryCounters c;
  Image im;
  {
    CountersScope scope(&c);
    im = Image::allocate3d(DType::I16, 5, 4, 3);
  }
  EXPECT_EQ(c.allocated_bytes.load(), 5 * 4 * 3 * 2);
  EXPECT_EQ(c.copied_bytes.load(), 0);
  EXPECT_TRUE(im.contiguous());
  EXPECT_EQ(im.strides(), (std::array<std::int64_t, 3>{1, 5, 20}));
  for (std::int64_t i = 0; i < im.size(); ++i) EXPECT_EQ(im.data<std::int16_t>()[i], 0);
  EXPECT_THROW(im.data<float>(), std::invalid_argument);
}

TEST(Image, CopiesShareStorage) {
  Image a = Image::allocate2d(DType::F32, 3, 2);
  Image b = a;
  EXPECT_EQ(a.raw(), b.raw());
  EXPECT_EQ(a.use_count(), 2);
  b.at<float>(2, 1) = 7.f;
  EXPECT_EQ(a.at<float>(2, 1), 7.f);
}

TEST(Image, SliceIsAViewWithMovedOrigin) {
  Image v = Image::allocate3d(DType::F32, 4, 3, 5);
  v.geometry().spacing = {0.5, 0.7, 2.5};
  v.geometry().origin = {10, 20, 30};
  // Third axis points along -y (a permuted direction matrix).
  v.geometry().direction = {1, 0, 0, 0, 0, -1, 0, 1, 0};
  for (std::int64_t z = 0; z < 5; ++z)
    for (std::int64_t y = 0; y < 3; ++y)
      for (std::int64_t x = 0; x < 4; ++x) v.at<float>(x, y, z) = static_cast<float>(100 * z + 10 * y + x);
  MemoryCounters c;
  Image s;
  {
    CountersScope scope(&c);
    s = v.slice(3);
  }
  EXPECT_EQ(c.allocated_bytes.load() + c.copied_bytes.load(), 0);
  EXPECT_EQ(s.ndim(), 2);
  EXPECT_EQ(s.storage(), v.storage());
  EXPECT_EQ(s.at<float>(2, 1), 312.f);
  // origin + direction[:,2] · spacing_z · 3 = (10, 20 - 7.5, 30)
  EXPECT_DOUBLE_EQ(s.geometry().origin[0], 10);
  EXPECT_DOUBLE_EQ(s.geometry().origin[1], 12.5);
  EXPECT_DOUBLE_EQ(s.geometry().origin[2], 30);
  EXPECT_THROW(v.slice(5), std::out_of_range);
  EXPECT_THROW(s.slice(0), std::invalid_argument);
}

TEST(Image, CloneCopiesAndIsCounted) {
  Image v = Image::allocate3d(DType::U16, 3, 3, 2);
  v.at<std::uint16_t>(1, 2, 1) = 65535;
  v.metadata()["Modality"] = "MR";
  MemoryCounters c;
  Image w;
  {
    CountersScope scope(&c);
    w = v.slice(1).clone();
  }
  EXPECT_EQ(c.copied_bytes.load(), 3 * 3 * 2);
  EXPECT_NE(w.raw(), v.slice(1).raw());
  EXPECT_EQ(w.at<std::uint16_t>(1, 2), 65535);
  EXPECT_EQ(w.metadata().at("Modality"), "MR");
}

TEST(Image, AstypeRoundsAndSaturates) {
  Image f = Image::allocate2d(DType::F32, 4, 1);
  float vals[] = {-3.6f, 2.5f, 70000.f, 12.2f};
  for (int i = 0; i < 4; ++i) f.at<float>(i, 0) = vals[i];
  Image u = f.astype(DType::U16);
  EXPECT_EQ(u.at<std::uint16_t>(0, 0), 0);
  EXPECT_EQ(u.at<std::uint16_t>(1, 0), 3);  // round half away from zero
  EXPECT_EQ(u.at<std::uint16_t>(2, 0), 65535);
  EXPECT_EQ(u.at<std::uint16_t>(3, 0), 12);
  Image i16 = f.astype(DType::I16);
  EXPECT_EQ(i16.at<std::int16_t>(0, 0), -4);
  EXPECT_EQ(i16.at<std::int16_t>(2, 0), 32767);
}

TEST(Image, WrapKeepsExternalMemoryAliveUntilLastImage) {
  bool released = false;
  std::vector<float> buffer(6, 1.5f);
  {
    auto st = Storage::wrap(buffer.data(), buffer.size() * sizeof(float), Device::CPU, [&](void*) { released = true; });
    Image a = Image::view(st, 0, DType::F32, {3, 2, 1}, 2);
    st.reset();
    Image b = a;
    a = Image();
    EXPECT_FALSE(released);
    EXPECT_EQ(b.at<float>(2, 1), 1.5f);
  }
  EXPECT_TRUE(released);
  auto st = Storage::wrap(buffer.data(), 8, Device::CPU, nullptr);
  EXPECT_THROW(Image::view(st, 0, DType::F32, {3, 2, 1}, 2), std::invalid_argument);
}

TEST(Image, CudaWithoutAllocatorIsAClearError) {
  if (has_device_allocator(Device::CUDA)) GTEST_SKIP() << "a CUDA allocator is registered";
  try {
    Image::allocate2d(DType::F32, 2, 2);
    Image::allocate(DType::F32, {2, 2, 1}, 2, Device::CUDA);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no allocator for device cuda"), std::string::npos);
  }
}

// Colour: components sit side by side, so a contiguous 3-component image has strides
// (3, 3·nx, 3·nx·ny); slicing, cloning, converting and strided views keep every component.
TEST(Image, ComponentsAreInterleavedAndSurviveSliceCloneAndAstype) {
  Image im = Image::allocate(DType::U8, {4, 3, 2}, 3, Device::CPU, 3);
  EXPECT_EQ(im.components(), 3);
  EXPECT_EQ(im.size(), 24);
  EXPECT_EQ(im.bytes(), 72u);
  EXPECT_EQ(im.strides(), (std::array<std::int64_t, 3>{3, 12, 36}));
  EXPECT_TRUE(im.contiguous());
  for (std::int64_t z = 0; z < 2; ++z)
    for (std::int64_t y = 0; y < 3; ++y)
      for (std::int64_t x = 0; x < 4; ++x)
        for (int c = 0; c < 3; ++c) im.set_value(x, y, z, static_cast<double>(100 * z + 10 * y + x + 40 * c), c);
  // The layout, checked on the raw bytes: pixel (1, 2, 1), component 2.
  EXPECT_EQ(im.data<std::uint8_t>()[1 * 3 + 2 * 12 + 1 * 36 + 2], 100 + 20 + 1 + 80);
  const Image s = im.slice(1);
  EXPECT_EQ(s.components(), 3);
  EXPECT_EQ(s.value(3, 2, 0, 1), 100 + 20 + 3 + 40);
  const Image f = s.astype(DType::F32);
  EXPECT_EQ(f.components(), 3);
  EXPECT_TRUE(f.contiguous());
  EXPECT_EQ(f.value(3, 2, 0, 2), 100 + 20 + 3 + 80);
  // A view of every other column (x stride 6) clones into a contiguous copy.
  const Image cols = Image::view(im.storage(), 0, DType::U8, {2, 3, 2}, 3, {6, 12, 36}, 3);
  EXPECT_FALSE(cols.contiguous());
  const Image c = cols.clone();
  EXPECT_TRUE(c.contiguous());
  for (int k = 0; k < 3; ++k) EXPECT_EQ(c.value(1, 2, 1, k), im.value(2, 2, 1, k)) << k;
  EXPECT_NE(im.describe().find("3 components"), std::string::npos) << im.describe();
  // A view whose last component would lie past the storage is refused.
  EXPECT_THROW(Image::view(im.storage(), 1, DType::U8, {4, 3, 2}, 3, {0, 0, 0}, 3), std::invalid_argument);
  EXPECT_THROW(Image::allocate(DType::U8, {2, 2, 1}, 2, Device::CPU, 5), std::invalid_argument);
}
