#pragma once
// Linear operators: the vocabulary the reconstruction algorithms (nodes/ir) see. An operator
// maps images of its domain to images of its range and has an exact adjoint, so that
// AᴴA is symmetric (conjugate gradient and ADMM rely on it):
//     <A x, y> = <x, Aᴴ y>   for every x in the domain and y in the range.
//
// Images in and out are 2-D float32. A complex image (MRI) is a float32 image whose rows hold
// interleaved (re, im) pairs: see complex_image.hpp.
#include <array>
#include <cstdint>
#include <string>

#include <mirflow/image.hpp>

namespace mirflow::physics {

// The shape of an operator's domain or range: a 2-D grid of real (float32) or complex
// (complex64, stored interleaved) pixels, with the geometry its images get.
struct Space {
  std::int64_t nx = 0, ny = 0;
  bool complex = false;
  std::array<double, 2> spacing{1.0, 1.0};  // per pixel along x and y (mm for images)
  std::array<double, 2> origin{0.0, 0.0};   // position of pixel (0, 0)

  std::int64_t size() const { return nx * ny; }                  // pixels (complex: complex pixels)
  std::int64_t floats() const { return size() * (complex ? 2 : 1); }
  // A zeroed float32 image of this space, geometry (and the complex tag) set, in the memory of
  // `device` (CUDA needs the gpu plugin's allocator).
  Image allocate(Device device = Device::CPU) const;
  // True when `im` is a 2-D image with this space's shape (2·nx floats per row when complex).
  bool matches(const Image& im) const;
  std::string describe() const;  // "255×256 float32", "128×96 complex64"
  bool operator==(const Space&) const = default;
};

// An image grid centred on the origin (the isocentre): pixel (i, j) at
//   ((i − (nx−1)/2)·dx, (j − (ny−1)/2)·dy).
Space centred_space(std::int64_t nx, std::int64_t ny, double dx, double dy, bool complex = false);

class LinearOperator {
 public:
  virtual ~LinearOperator() = default;
  virtual std::string name() const = 0;
  virtual Space domain() const = 0;
  virtual Space range() const = 0;

  // y = A x. `x` matches domain(), `y` matches range(); both contiguous float32 images on one
  // device. The built-in operators also run on CUDA images (device_kernels.hpp); one that does
  // not throws std::runtime_error naming itself.
  // `y` is overwritten (its pixels, not its geometry). Thread-safe: may run concurrently.
  virtual void apply_into(const Image& x, const Image& y) const = 0;
  // x = Aᴴ y, the exact adjoint of apply_into (the transpose of the same discrete matrix).
  virtual void adjoint_into(const Image& y, const Image& x) const = 0;

  // Allocating forms: the input may be any dtype or layout (converted to contiguous float32; on
  // a device it must already be); the output is allocated where the input lives. A shape that
  // does not match, or a device the operator does not run on, throws std::invalid_argument
  // naming the operator.
  Image apply(const Image& x) const;
  Image adjoint(const Image& y) const;
  Image normal(const Image& x) const { return adjoint(apply(x)); }  // AᴴA x

  // The normal-inverse hook: when AᴴWA is diagonal for the diagonal weights W (an image on the
  // range; empty means W = 1), writes that diagonal into `diagonal` (a float32 image of the
  // domain) and returns true, so that (AᴴWA + D)⁻¹ is a division for any diagonal D and a solver
  // needs no inner iterations. The default (false) says "not diagonal": use an iterative solve.
  virtual bool normal_diagonal(const Image& W, const Image& diagonal) const {
    (void)W, (void)diagonal;
    return false;
  }

  // Whether apply_into/adjoint_into take images in `device`'s memory. The default is the host
  // only: an operator written without CUDA in mind is never handed device pointers (solvers
  // check this before they start).
  virtual bool runs_on(Device device) const { return device == Device::CPU; }
};

// x ↦ x on a space.
class IdentityOperator final : public LinearOperator {
 public:
  explicit IdentityOperator(Space space) : space_(space) {}
  std::string name() const override { return "identity"; }
  Space domain() const override { return space_; }
  Space range() const override { return space_; }
  void apply_into(const Image& x, const Image& y) const override;
  void adjoint_into(const Image& y, const Image& x) const override { apply_into(y, x); }
  bool normal_diagonal(const Image& W, const Image& diagonal) const override;  // W itself
  bool runs_on(Device) const override { return true; }

 private:
  Space space_;
};

// A contiguous float32 image with the pixels of `im` (no copy when it already is one). A CUDA
// image must already be contiguous float32 (it is returned as is).
Image as_contiguous_f32(const Image& im);

// Σ a·b over all floats, accumulated in double (for adjoint checks and solvers); CPU or CUDA.
double dot(const Image& a, const Image& b);

}  // namespace mirflow::physics
