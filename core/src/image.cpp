#include "mirflow/image.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>

#include "mirflow/memory_stats.hpp"

namespace mirflow {

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::U8: return 1;
    case DType::I16:
    case DType::U16: return 2;
    case DType::I32:
    case DType::F32: return 4;
    case DType::F64: return 8;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::U8: return "uint8";
    case DType::I16: return "int16";
    case DType::U16: return "uint16";
    case DType::I32: return "int32";
    case DType::F32: return "float32";
    case DType::F64: return "float64";
  }
  return "?";
}

DType dtype_from_name(const std::string& name) {
  for (DType t : {DType::U8, DType::I16, DType::U16, DType::I32, DType::F32, DType::F64})
    if (name == dtype_name(t)) return t;
  throw std::invalid_argument("unknown dtype '" + name + "' (expected uint8, int16, uint16, int32, float32, float64)");
}

const char* device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

// ---- device allocators ------------------------------------------------------------------------
namespace {
std::mutex allocators_mutex;
std::map<Device, DeviceAllocator>& allocators() {
  static std::map<Device, DeviceAllocator> a;
  return a;
}
}  // namespace

void set_device_allocator(Device device, DeviceAllocator allocator) {
  std::lock_guard lock(allocators_mutex);
  allocators()[device] = std::move(allocator);
}

bool has_device_allocator(Device device) {
  if (device == Device::CPU) return true;
  std::lock_guard lock(allocators_mutex);
  return allocators().count(device) > 0;
}

// ---- storage ------------------------------------------------------------------------------------
Storage::Storage(void* data, std::size_t bytes, Device device, Release release)
    : data_(data), bytes_(bytes), device_(device), release_(std::move(release)) {}

Storage::~Storage() {
  if (release_) release_(data_);
}

std::shared_ptr<Storage> Storage::allocate(std::size_t bytes, Device device) {
  const std::size_t n = std::max<std::size_t>(bytes, 1);
  void* p = nullptr;
  Release release;
  if (device == Device::CPU) {
    // 64-byte alignment suits SIMD loops and LibTorch's from_blob.
    p = std::aligned_alloc(64, (n + 63) / 64 * 64);
    if (!p) throw std::bad_alloc();
    std::memset(p, 0, n);
    release = [](void* q) { std::free(q); };
  } else {
    DeviceAllocator a;
    {
      std::lock_guard lock(allocators_mutex);
      auto it = allocators().find(device);
      if (it == allocators().end())
        throw std::runtime_error(std::string("no allocator for device ") + device_name(device) +
                                 " (mirflow was built without CUDA support, or no GPU is present)");
      a = it->second;
    }
    p = a.allocate(n);
    release = a.free;
  }
  note_allocated(bytes);
  return std::shared_ptr<Storage>(new Storage(p, bytes, device, std::move(release)));
}

std::shared_ptr<Storage> Storage::wrap(void* data, std::size_t bytes, Device device, Release release) {
  return std::shared_ptr<Storage>(new Storage(data, bytes, device, std::move(release)));
}

// ---- image --------------------------------------------------------------------------------------
static std::array<std::int64_t, 3> contiguous_strides(const std::array<std::int64_t, 3>& s, int components) {
  return {components, components * s[0], components * s[0] * s[1]};
}

static void check_components(int components) {
  if (components < 1 || components > 4)
    throw std::invalid_argument("an image has 1 to 4 components per pixel, not " + std::to_string(components));
}

Image Image::allocate(DType dtype, std::array<std::int64_t, 3> shape, int ndim, Device device, int components) {
  if (ndim < 1 || ndim > 3) throw std::invalid_argument("image ndim must be 1, 2 or 3");
  check_components(components);
  for (int i = 0; i < 3; ++i) {
    if (i >= ndim) shape[i] = 1;
    if (shape[i] <= 0) throw std::invalid_argument("image dimensions must be positive");
  }
  Image im;
  im.dtype_ = dtype;
  im.ndim_ = ndim;
  im.components_ = components;
  im.shape_ = shape;
  im.strides_ = contiguous_strides(shape, components);
  im.storage_ = Storage::allocate(im.bytes(), device);
  return im;
}

Image Image::view(std::shared_ptr<Storage> storage, std::size_t offset_bytes, DType dtype,
                  std::array<std::int64_t, 3> shape, int ndim, std::array<std::int64_t, 3> strides,
                  int components) {
  if (!storage) throw std::invalid_argument("Image::view needs storage");
  check_components(components);
  Image im;
  im.storage_ = std::move(storage);
  im.offset_ = offset_bytes;
  im.dtype_ = dtype;
  im.ndim_ = ndim;
  im.components_ = components;
  for (int i = ndim; i < 3; ++i) shape[i] = 1;
  im.shape_ = shape;
  im.strides_ = (strides == std::array<std::int64_t, 3>{0, 0, 0}) ? contiguous_strides(shape, components) : strides;
  // The furthest element must lie inside the storage.
  std::int64_t last = components - 1;
  for (int i = 0; i < 3; ++i) last += (shape[i] - 1) * im.strides_[i];
  if (offset_bytes + static_cast<std::size_t>(last + 1) * dtype_size(dtype) > im.storage_->bytes())
    throw std::invalid_argument("Image::view exceeds its storage");
  return im;
}

bool Image::contiguous() const { return strides_ == contiguous_strides(shape_, components_); }

void* Image::raw() const {
  if (!storage_) throw std::logic_error("empty image has no pixels");
  return static_cast<char*>(storage_->data()) + offset_;
}

void Image::check_type(DType expected) const {
  if (expected != dtype_)
    throw std::invalid_argument(std::string("image is ") + dtype_name(dtype_) + ", accessed as " + dtype_name(expected));
}

Image Image::slice(std::int64_t z) const {
  if (ndim_ != 3) throw std::invalid_argument("slice() needs a 3-D image, got " + describe());
  if (z < 0 || z >= shape_[2])
    throw std::out_of_range("slice " + std::to_string(z) + " outside 0.." + std::to_string(shape_[2] - 1));
  Image s = *this;
  s.ndim_ = 2;
  s.offset_ = offset_ + static_cast<std::size_t>(z * strides_[2]) * dtype_size(dtype_);
  s.shape_[2] = 1;
  const auto& d = geometry_.direction;
  for (int r = 0; r < 3; ++r) s.geometry_.origin[r] += d[r * 3 + 2] * geometry_.spacing[2] * static_cast<double>(z);
  return s;
}

template <class T>
static void copy_strided(const Image& src, T* dst) {
  const T* s = src.data<T>();
  const auto& st = src.strides();
  const int nc = src.components();
  std::int64_t n = 0;
  for (std::int64_t z = 0; z < src.nz(); ++z)
    for (std::int64_t y = 0; y < src.ny(); ++y)
      for (std::int64_t x = 0; x < src.nx(); ++x)
        for (int c = 0; c < nc; ++c) dst[n++] = s[x * st[0] + y * st[1] + z * st[2] + c];
}

Image Image::clone() const {
  if (device() != Device::CPU) throw std::runtime_error("clone() of a device image: use the GPU runtime");
  Image out = allocate(dtype_, shape_, ndim_, Device::CPU, components_);
  dispatch_dtype(dtype_, [&](auto tag) {
    using T = decltype(tag);
    if (contiguous())
      std::memcpy(out.raw(), raw(), bytes());
    else
      copy_strided<T>(*this, out.data<T>());
  });
  note_copied(bytes());
  out.geometry_ = geometry_;
  out.metadata_ = metadata_;
  return out;
}

template <class To, class From>
static To saturate_cast(From v) {
  if constexpr (std::is_integral_v<To>) {
    double d = static_cast<double>(v);
    if (std::isnan(d)) return 0;
    d = std::round(d);
    d = std::clamp(d, static_cast<double>(std::numeric_limits<To>::lowest()),
                   static_cast<double>(std::numeric_limits<To>::max()));
    return static_cast<To>(d);
  } else {
    return static_cast<To>(v);
  }
}

Image Image::astype(DType dtype) const {
  if (device() != Device::CPU) throw std::runtime_error("astype() of a device image: use the GPU runtime");
  Image out = allocate(dtype, shape_, ndim_, Device::CPU, components_);
  out.geometry_ = geometry_;
  out.metadata_ = metadata_;
  dispatch_dtype(dtype_, [&](auto from_tag) {
    using From = decltype(from_tag);
    dispatch_dtype(dtype, [&](auto to_tag) {
      using To = decltype(to_tag);
      const From* s = data<From>();
      To* d = out.data<To>();
      std::int64_t n = 0;
      for (std::int64_t z = 0; z < nz(); ++z)
        for (std::int64_t y = 0; y < ny(); ++y)
          for (std::int64_t x = 0; x < nx(); ++x)
            for (int c = 0; c < components_; ++c)
              d[n++] = saturate_cast<To>(s[x * strides_[0] + y * strides_[1] + z * strides_[2] + c]);
    });
  });
  return out;
}

double Image::value(std::int64_t x, std::int64_t y, std::int64_t z, int c) const {
  return dispatch_dtype(dtype_, [&](auto tag) -> double {
    using T = decltype(tag);
    return static_cast<double>(at<T>(x, y, z, c));
  });
}

void Image::set_value(std::int64_t x, std::int64_t y, std::int64_t z, double v, int c) const {
  dispatch_dtype(dtype_, [&](auto tag) {
    using T = decltype(tag);
    at<T>(x, y, z, c) = saturate_cast<T>(v);
  });
}

std::string Image::describe() const {
  if (!storage_) return "empty image";
  std::string s = std::string(dtype_name(dtype_)) + " " + std::to_string(shape_[0]);
  for (int i = 1; i < ndim_; ++i) s += "x" + std::to_string(shape_[i]);
  s += std::string(" ") + device_name(device());
  if (components_ > 1) s += ", " + std::to_string(components_) + " components";
  return s;
}

}  // namespace mirflow
