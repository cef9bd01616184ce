#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace mirflow {

enum class DType : std::uint8_t { U8, I16, U16, I32, F32, F64 };
enum class Device : std::uint8_t { CPU, CUDA };

std::size_t dtype_size(DType t);
const char* dtype_name(DType t);
DType dtype_from_name(const std::string& name);  // throws std::invalid_argument
const char* device_name(Device d);

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<std::uint8_t>() { return DType::U8; }
template <> constexpr DType dtype_of<std::int16_t>() { return DType::I16; }
template <> constexpr DType dtype_of<std::uint16_t>() { return DType::U16; }
template <> constexpr DType dtype_of<std::int32_t>() { return DType::I32; }
template <> constexpr DType dtype_of<float>() { return DType::F32; }
template <> constexpr DType dtype_of<double>() { return DType::F64; }

// A block of pixel memory, shared by every image that views it. It is freed when the last
// image (or external holder: a NumPy array, a torch tensor) lets go.
class Storage {
 public:
  using Release = std::function<void(void*)>;
  // Allocates (and counts) `bytes` of zeroed memory on `device`.
  static std::shared_ptr<Storage> allocate(std::size_t bytes, Device device = Device::CPU);
  // Adopts memory owned elsewhere; `release` runs when the last image drops it. Not counted.
  static std::shared_ptr<Storage> wrap(void* data, std::size_t bytes, Device device, Release release);

  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  Storage(void* data, std::size_t bytes, Device device, Release release);
  void* data_;
  std::size_t bytes_;
  Device device_;
  Release release_;
};

// A device allocator for memory the core cannot allocate itself (CUDA lives in gpu/).
struct DeviceAllocator {
  std::function<void*(std::size_t)> allocate;
  std::function<void(void*)> free;
};
void set_device_allocator(Device device, DeviceAllocator allocator);
bool has_device_allocator(Device device);

// Where the pixels sit in space. Index (i, j, k) maps to the physical point
//   origin + direction · diag(spacing) · (i, j, k)ᵀ,
// with `direction` a row-major 3×3 matrix whose columns are the axis directions.
struct Geometry {
  std::array<double, 3> spacing{1.0, 1.0, 1.0};
  std::array<double, 3> origin{0.0, 0.0, 0.0};
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};
  bool operator==(const Geometry&) const = default;
};

// Free-form key-values: the core gives them no meaning (modality, rescale, identifiers...).
using Metadata = std::map<std::string, std::string>;

// A 2-D slice or 3-D volume. Axis 0 (x, columns) varies fastest; a 2-D image has nz = 1.
// Copying an Image copies no pixels: it shares the storage. slice() returns a view.
//
// A pixel holds `components` values (1 for the scalar images nearly every node works on; 3 for
// colour), stored next to each other: component c of pixel (x, y, z) is at
// x·sx + y·sy + z·sz + c, so the spatial strides of a contiguous colour image are (c, c·nx, c·nx·ny).
// size() counts pixels, not values. Nodes get scalar images from Context::image(), which refuses
// colour; the few that handle colour (writers, colour conversion) ask for it explicitly.
class Image {
 public:
  Image() = default;
  // A new image with zeroed pixels (counted as allocated by the current node).
  static Image allocate(DType dtype, std::array<std::int64_t, 3> shape, int ndim, Device device = Device::CPU,
                        int components = 1);
  static Image allocate2d(DType dtype, std::int64_t nx, std::int64_t ny) { return allocate(dtype, {nx, ny, 1}, 2); }
  static Image allocate3d(DType dtype, std::int64_t nx, std::int64_t ny, std::int64_t nz) {
    return allocate(dtype, {nx, ny, nz}, 3);
  }
  // An image over existing storage (strides in elements; default contiguous).
  static Image view(std::shared_ptr<Storage> storage, std::size_t offset_bytes, DType dtype,
                    std::array<std::int64_t, 3> shape, int ndim,
                    std::array<std::int64_t, 3> strides = {0, 0, 0}, int components = 1);

  bool empty() const { return !storage_; }
  int ndim() const { return ndim_; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device() : Device::CPU; }
  const std::array<std::int64_t, 3>& shape() const { return shape_; }
  std::int64_t nx() const { return shape_[0]; }
  std::int64_t ny() const { return shape_[1]; }
  std::int64_t nz() const { return shape_[2]; }
  int components() const { return components_; }
  std::int64_t size() const { return shape_[0] * shape_[1] * shape_[2]; }  // pixels
  std::size_t bytes() const { return static_cast<std::size_t>(size() * components_) * dtype_size(dtype_); }
  const std::array<std::int64_t, 3>& strides() const { return strides_; }
  bool contiguous() const;

  Geometry& geometry() { return geometry_; }
  const Geometry& geometry() const { return geometry_; }
  Metadata& metadata() { return metadata_; }
  const Metadata& metadata() const { return metadata_; }
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  std::size_t offset_bytes() const { return offset_; }
  long use_count() const { return storage_.use_count(); }

  void* raw() const;  // first pixel (device memory for CUDA images)
  template <class T> T* data() const {
    check_type(dtype_of<T>());
    return static_cast<T*>(raw());
  }
  template <class T> T& at(std::int64_t x, std::int64_t y, std::int64_t z = 0, int c = 0) const {
    return data<T>()[x * strides_[0] + y * strides_[1] + z * strides_[2] + c];
  }

  // View of slice z of a volume: a 2-D image sharing storage, with geometry moved to that slice.
  Image slice(std::int64_t z) const;
  // A contiguous copy with the same geometry and metadata (counted as copied).
  Image clone() const;
  // Converted to another dtype (allocates; values are cast, saturating for integers).
  Image astype(DType dtype) const;
  // Pixel (x, y, z) as double, following the strides (CPU images of any dtype).
  double value(std::int64_t x, std::int64_t y, std::int64_t z = 0, int c = 0) const;
  void set_value(std::int64_t x, std::int64_t y, std::int64_t z, double v, int c = 0) const;

  std::string describe() const;  // "float32 181x217x181 cpu", "uint8 100x100 cpu, 3 components"

 private:
  void check_type(DType expected) const;
  std::shared_ptr<Storage> storage_;
  std::size_t offset_ = 0;
  DType dtype_ = DType::F32;
  int ndim_ = 0;
  int components_ = 1;
  std::array<std::int64_t, 3> shape_{0, 0, 0};
  std::array<std::int64_t, 3> strides_{0, 0, 0};
  Geometry geometry_;
  Metadata metadata_;
};

// Calls f(T{}) with T the C++ type of the dtype (use decltype on the argument).
template <class F> decltype(auto) dispatch_dtype(DType t, F&& f) {
  switch (t) {
    case DType::U8: return f(std::uint8_t{});
    case DType::I16: return f(std::int16_t{});
    case DType::U16: return f(std::uint16_t{});
    case DType::I32: return f(std::int32_t{});
    case DType::F32: return f(float{});
    case DType::F64: return f(double{});
  }
  return f(float{});
}

}  // namespace mirflow
