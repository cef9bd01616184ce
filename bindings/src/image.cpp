// mirflow.Image: the engine's image seen from Python. NumPy views it through the buffer protocol,
// other libraries through DLPack; both share the pixels, never copy them.
//
// Axis order: the engine stores x fastest (shape nx, ny, nz). NumPy's C order puts the fastest
// axis last, so an image appears as (ny, nx) or (nz, ny, nx) with the engine's strides reversed
// (in bytes). Geometry stays in the engine's (x, y, z) order, as in SimpleITK.
#include <pybind11/stl.h>

#include <cstdint>
#include <cstring>

#include "bindings.hpp"
#include "mirflow/memory_stats.hpp"

namespace mirflow::py_bindings {

namespace {

// ---- DLPack (v0.x ABI, as in dlpack.h) -----------------------------------------------------------
// Written out here: the structs are a stable C ABI, and this avoids a build dependency for five
// declarations. Layout checked below against the sizes the specification implies.
namespace dl {
constexpr std::int32_t kCPU = 1;
constexpr std::uint8_t kInt = 0, kUInt = 1, kFloat = 2;
struct Device {
  std::int32_t device_type;  // DLDeviceType (a C enum: int)
  std::int32_t device_id;
};
struct DataType {
  std::uint8_t code;
  std::uint8_t bits;
  std::uint16_t lanes;
};
struct Tensor {
  void* data;
  Device device;
  std::int32_t ndim;
  DataType dtype;
  std::int64_t* shape;
  std::int64_t* strides;  // in elements; NULL: compact row-major
  std::uint64_t byte_offset;
};
struct ManagedTensor {
  Tensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(ManagedTensor* self);
};
static_assert(sizeof(Tensor) == 48 && sizeof(ManagedTensor) == 64, "DLPack ABI layout");
}  // namespace dl

dl::DataType dl_dtype(DType t) {
  switch (t) {
    case DType::U8: return {dl::kUInt, 8, 1};
    case DType::I16: return {dl::kInt, 16, 1};
    case DType::U16: return {dl::kUInt, 16, 1};
    case DType::I32: return {dl::kInt, 32, 1};
    case DType::F32: return {dl::kFloat, 32, 1};
    case DType::F64: return {dl::kFloat, 64, 1};
  }
  return {dl::kFloat, 32, 1};
}

bool dtype_from_dl(dl::DataType d, DType& out) {
  if (d.lanes != 1) return false;
  for (DType t : {DType::U8, DType::I16, DType::U16, DType::I32, DType::F32, DType::F64}) {
    dl::DataType c = dl_dtype(t);
    if (c.code == d.code && c.bits == d.bits) return out = t, true;
  }
  return false;
}

// ---- NumPy dtypes ------------------------------------------------------------------------------
py::dtype numpy_dtype(DType t) {
  return dispatch_dtype(t, [](auto tag) { return py::dtype::of<decltype(tag)>(); });
}

bool dtype_from_numpy(const py::dtype& d, DType& out) {
  if (!py::cast<bool>(d.attr("isnative"))) return false;
  const char kind = d.kind();
  const auto size = d.itemsize();
  if (kind == 'u' && size == 1) return out = DType::U8, true;
  if (kind == 'i' && size == 2) return out = DType::I16, true;
  if (kind == 'u' && size == 2) return out = DType::U16, true;
  if (kind == 'i' && size == 4) return out = DType::I32, true;
  if (kind == 'f' && size == 4) return out = DType::F32, true;
  if (kind == 'f' && size == 8) return out = DType::F64, true;
  return false;
}

const char* buffer_format(DType t) {
  switch (t) {
    case DType::U8: return "B";
    case DType::I16: return "h";
    case DType::U16: return "H";
    case DType::I32: return "i";
    case DType::F32: return "f";
    case DType::F64: return "d";
  }
  return "B";
}

// Shape and strides (elements) in NumPy order: slowest axis first, and a colour image's
// components as a last axis of stride 1, (ny, nx, 3), as NumPy and pydicom hold colour.
struct NumpyLayout {
  int ndim = 0;
  std::int64_t shape[4]{}, strides[4]{};
};
NumpyLayout numpy_layout(const Image& im) {
  NumpyLayout l;
  const int spatial = im.ndim();
  for (int i = 0; i < spatial; ++i) {
    l.shape[i] = im.shape()[static_cast<std::size_t>(spatial - 1 - i)];
    l.strides[i] = im.strides()[static_cast<std::size_t>(spatial - 1 - i)];
  }
  l.ndim = spatial;
  if (im.components() > 1) {
    l.shape[l.ndim] = im.components();
    l.strides[l.ndim] = 1;
    ++l.ndim;
  }
  return l;
}

// NumPy-order shape and element strides -> an image over `storage` (engine order, x first).
Image view_from_numpy_layout(std::shared_ptr<Storage> storage, DType dt, int ndim, const std::int64_t* shape,
                             const std::int64_t* strides) {
  std::array<std::int64_t, 3> es{1, 1, 1}, st{0, 0, 0};
  for (int i = 0; i < ndim; ++i) {
    es[static_cast<std::size_t>(i)] = shape[ndim - 1 - i];
    st[static_cast<std::size_t>(i)] = strides ? strides[ndim - 1 - i] : 0;
  }
  if (!strides) return Image::view(std::move(storage), 0, dt, es, ndim);
  // Unused axes and axes of length 1 take contiguous strides, so a contiguous image reads as one.
  const std::array<std::int64_t, 3> contiguous{1, es[0], es[0] * es[1]};
  for (std::size_t i = 0; i < 3; ++i)
    if (static_cast<int>(i) >= ndim || es[i] == 1) st[i] = contiguous[i];
  return Image::view(std::move(storage), 0, dt, es, ndim, st);
}

void check_cpu(const Image& im, const char* what) {
  if (im.empty()) throw py::value_error(std::string("cannot ") + what + " an empty image");
  if (im.device() != Device::CPU)
    throw py::buffer_error(std::string("cannot ") + what + " a " + device_name(im.device()) +
                           " image: copy it to the CPU in the graph first");
}

// ---- buffer protocol -----------------------------------------------------------------------------
// pybind11's def_buffer neither honours the consumer's flags (a C-contiguous request on a strided
// view) nor lets a getter throw; these two functions do both.
struct BufferInfo {
  Py_ssize_t shape[4]{}, strides[4]{};
};

bool contiguous(const BufferInfo& b, int ndim, Py_ssize_t itemsize, bool fortran) {
  Py_ssize_t expect = itemsize;
  for (int k = 0; k < ndim; ++k) {
    const int i = fortran ? k : ndim - 1 - k;
    if (b.shape[i] != 1 && b.strides[i] != expect) return false;
    expect *= b.shape[i];
  }
  return true;
}

extern "C" int image_getbuffer(PyObject* self, Py_buffer* view, int flags) {
  view->obj = nullptr;
  try {
    const Image& im = py::cast<const Image&>(py::handle(self));
    check_cpu(im, "export");
    const NumpyLayout l = numpy_layout(im);
    const auto es = static_cast<Py_ssize_t>(dtype_size(im.dtype()));
    auto* info = new BufferInfo;
    for (int i = 0; i < l.ndim; ++i) {
      info->shape[i] = static_cast<Py_ssize_t>(l.shape[i]);
      info->strides[i] = static_cast<Py_ssize_t>(l.strides[i]) * es;
    }
    const bool c_contig = contiguous(*info, l.ndim, es, false), f_contig = contiguous(*info, l.ndim, es, true);
    auto fail = [&](const char* msg) {
      delete info;
      PyErr_SetString(PyExc_BufferError, msg);
      return -1;
    };
    if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES && !c_contig)
      return fail("mirflow.Image: this image is a strided view; the consumer needs a C-contiguous buffer (use .copy())");
    if ((flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS && !c_contig)
      return fail("mirflow.Image: not C-contiguous (use .copy())");
    if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS && !f_contig)
      return fail("mirflow.Image: not Fortran-contiguous");
    if ((flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS && !c_contig && !f_contig)
      return fail("mirflow.Image: not contiguous (use .copy())");
    view->buf = im.raw();
    view->len = static_cast<Py_ssize_t>(im.bytes());
    view->itemsize = es;
    view->readonly = 0;
    view->format = (flags & PyBUF_FORMAT) ? const_cast<char*>(buffer_format(im.dtype())) : nullptr;
    view->ndim = l.ndim;
    view->shape = (flags & PyBUF_ND) == PyBUF_ND ? info->shape : nullptr;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? info->strides : nullptr;
    view->suboffsets = nullptr;
    view->internal = info;
    view->obj = self;
    Py_INCREF(self);
    return 0;
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const py::builtin_exception& e) {
    e.set_error();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_BufferError, e.what());
  }
  return -1;
}

extern "C" void image_releasebuffer(PyObject*, Py_buffer* view) { delete static_cast<BufferInfo*>(view->internal); }

// ---- DLPack export and import --------------------------------------------------------------------
struct DLExport {
  dl::ManagedTensor tensor{};
  Image image;  // keeps the pixels alive until the consumer calls the deleter
  std::int64_t shape[4]{}, strides[4]{};
};

void dlpack_delete(dl::ManagedTensor* self) { delete static_cast<DLExport*>(self->manager_ctx); }

// Per the DLPack Python specification: a capsule still named "dltensor" was never consumed, so its
// destructor owns the tensor; a consumer renames it "used_dltensor" and calls the deleter itself.
extern "C" void dlpack_capsule_destructor(PyObject* capsule) {
  if (PyCapsule_IsValid(capsule, "used_dltensor")) return;
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);  // a destructor may run while an exception is being raised
  auto* t = static_cast<dl::ManagedTensor*>(PyCapsule_GetPointer(capsule, "dltensor"));
  if (t && t->deleter) t->deleter(t);
  else PyErr_WriteUnraisable(capsule);
  PyErr_Restore(type, value, tb);
}

py::capsule to_dlpack(const Image& im) {
  check_cpu(im, "export");
  auto* ex = new DLExport;
  ex->image = im;
  const NumpyLayout l = numpy_layout(im);
  for (int i = 0; i < l.ndim; ++i) ex->shape[i] = l.shape[i], ex->strides[i] = l.strides[i];
  dl::Tensor& t = ex->tensor.dl_tensor;
  t.data = im.raw();
  t.device = {dl::kCPU, 0};
  t.ndim = l.ndim;
  t.dtype = dl_dtype(im.dtype());
  t.shape = ex->shape;
  t.strides = ex->strides;
  t.byte_offset = 0;
  ex->tensor.manager_ctx = ex;
  ex->tensor.deleter = &dlpack_delete;
  PyObject* capsule = PyCapsule_New(&ex->tensor, "dltensor", &dlpack_capsule_destructor);
  if (!capsule) {
    delete ex;
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::capsule>(capsule);
}

extern "C" void dlpack_owner_destructor(PyObject* capsule) {
  auto* t = static_cast<dl::ManagedTensor*>(PyCapsule_GetPointer(capsule, "mirflow.dlpack_owner"));
  if (t && t->deleter) t->deleter(t);
}

Image from_dlpack(py::handle obj) {
  if (py::isinstance<Image>(obj)) return py::cast<Image>(obj);
  py::object capsule;
  if (py::hasattr(obj, "__dlpack__")) {
    if (py::hasattr(obj, "__dlpack_device__")) {
      py::tuple dev = obj.attr("__dlpack_device__")();
      const int type = py::cast<int>(dev[0]);
      if (type != dl::kCPU)
        throw py::buffer_error("mirflow.from_dlpack takes CPU tensors; this one is on DLPack device type " +
                               std::to_string(type) + " (move it to the CPU first, e.g. tensor.cpu())");
    }
    capsule = obj.attr("__dlpack__")();
  } else {
    capsule = py::reinterpret_borrow<py::object>(obj);
  }
  if (!PyCapsule_IsValid(capsule.ptr(), "dltensor"))
    throw py::type_error("mirflow.from_dlpack expects an object with __dlpack__() or an unconsumed 'dltensor' "
                         "capsule, got " + std::string(py::str(py::type::of(obj).attr("__name__"))));
  auto* mt = static_cast<dl::ManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
  const dl::Tensor& t = mt->dl_tensor;
  // Check everything before taking ownership: on error the capsule still owns the tensor.
  if (t.device.device_type != dl::kCPU)
    throw py::buffer_error("mirflow.from_dlpack takes CPU tensors; this one is on DLPack device type " +
                           std::to_string(t.device.device_type));
  DType dt{};
  if (!dtype_from_dl(t.dtype, dt))
    throw py::type_error("mirflow.from_dlpack: unsupported dtype (DLPack code " + std::to_string(t.dtype.code) +
                         ", " + std::to_string(t.dtype.bits) + " bits, " + std::to_string(t.dtype.lanes) +
                         " lanes); mirflow images are uint8, int16, uint16, int32, float32 or float64 "
                         "(convert first, or use Image.from_numpy, which converts to float32)");
  if (t.ndim < 1 || t.ndim > 3)
    throw py::value_error("mirflow.from_dlpack: expected 1 to 3 dimensions, got " + std::to_string(t.ndim));
  const auto es = static_cast<std::int64_t>(dtype_size(dt));
  std::int64_t compact[3]{}, extent = 1;
  for (int i = t.ndim - 1, s = 1; i >= 0; --i) {
    if (t.shape[i] <= 0) throw py::value_error("mirflow.from_dlpack: empty tensors have no image");
    compact[i] = s;
    s *= static_cast<int>(t.shape[i]);
  }
  const std::int64_t* strides = t.strides ? t.strides : compact;
  for (int i = 0; i < t.ndim; ++i) {
    if (t.shape[i] > 1 && strides[i] <= 0)
      throw py::value_error("mirflow.from_dlpack: negative or zero strides (flipped or broadcast tensors) are "
                            "not supported; make the tensor contiguous first");
    extent += (t.shape[i] - 1) * strides[i];
  }
  char* base = static_cast<char*>(t.data) + t.byte_offset;

  // Take ownership. The producer's deleter may touch Python objects (a torch tensor), so it runs
  // from a capsule that the storage releases like any Python reference (never taking the GIL).
  if (PyCapsule_SetName(capsule.ptr(), "used_dltensor") != 0) throw py::error_already_set();
  PyObject* owner_raw = PyCapsule_New(mt, "mirflow.dlpack_owner", &dlpack_owner_destructor);
  if (!owner_raw) {
    if (mt->deleter) mt->deleter(mt);
    throw py::error_already_set();
  }
  auto owner = std::make_shared<PyRef>(py::reinterpret_steal<py::object>(owner_raw));
  auto storage = Storage::wrap(base, static_cast<std::size_t>(extent * es), Device::CPU, [owner](void*) {});
  return view_from_numpy_layout(std::move(storage), dt, t.ndim, t.shape, strides);
}

// ---- geometry from Python values ------------------------------------------------------------------
void set_triplet(std::array<double, 3>& dst, py::handle value, const char* what) {
  auto v = py::cast<std::vector<double>>(value);
  if (v.empty() || v.size() > 3)
    throw py::value_error(std::string(what) + " takes 1 to 3 numbers in (x, y, z) order, got " +
                          std::to_string(v.size()));
  for (std::size_t i = 0; i < v.size(); ++i) dst[i] = v[i];
}

void set_direction(Geometry& g, py::handle value) {
  py::array_t<double, py::array::c_style | py::array::forcecast> a(py::reinterpret_borrow<py::object>(value));
  if (a.size() != 9)
    throw py::value_error("direction takes a 3x3 matrix (or 9 numbers, row-major), got " + std::to_string(a.size()) +
                          " numbers");
  std::memcpy(g.direction.data(), a.data(), 9 * sizeof(double));
}

void apply_geometry(Image& im, py::handle spacing, py::handle origin, py::handle direction, py::handle metadata) {
  if (!spacing.is_none()) set_triplet(im.geometry().spacing, spacing, "spacing");
  if (!origin.is_none()) set_triplet(im.geometry().origin, origin, "origin");
  if (!direction.is_none()) set_direction(im.geometry(), direction);
  if (!metadata.is_none()) im.metadata() = py::cast<Metadata>(metadata);
}

py::tuple triplet(const std::array<double, 3>& a) { return py::make_tuple(a[0], a[1], a[2]); }

}  // namespace

// ---- conversions used across the bindings ----------------------------------------------------------
Image image_from_object(py::handle obj, bool share) {
  if (py::isinstance<Image>(obj)) return py::cast<Image>(obj);
  py::array a = py::array::ensure(obj);
  if (!a || a.dtype().kind() == 'O' || a.dtype().kind() == 'U' || a.dtype().kind() == 'S') {
    if (py::hasattr(obj, "__dlpack__")) return from_dlpack(obj);
    throw py::type_error("expected a NumPy array (or array-like) or a mirflow.Image, got " +
                         std::string(py::str(py::type::of(obj).attr("__name__"))));
  }
  if (a.ndim() < 1 || a.ndim() > 3)
    throw py::value_error("expected a 2-D (ny, nx) or 3-D (nz, ny, nx) array, got " + std::to_string(a.ndim()) +
                          " dimensions");
  if (a.size() == 0) throw py::value_error("an empty array has no image");
  DType dt{};
  if (!dtype_from_numpy(a.dtype(), dt)) {
    // bool, int8, int64, float16, complex...: the engine has no such pixel type.
    a = a.attr("astype")(py::dtype::of<float>());
    dt = DType::F32;
    note_copied(static_cast<std::size_t>(a.nbytes()));
    share = true;  // a fresh array: nobody else holds it
  }
  const bool aligned = (a.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_) != 0;
  if (!share || !(a.flags() & py::array::c_style) || !aligned || !a.writeable()) {
    a = a.attr("copy")("C");
    note_copied(static_cast<std::size_t>(a.nbytes()));
  }
  std::int64_t shape[3]{};
  for (py::ssize_t i = 0; i < a.ndim(); ++i) shape[i] = static_cast<std::int64_t>(a.shape(i));
  void* data = a.mutable_data();
  const auto bytes = static_cast<std::size_t>(a.nbytes());
  auto owner = std::make_shared<PyRef>(a);
  auto storage = Storage::wrap(data, bytes, Device::CPU, [owner](void*) {});
  return view_from_numpy_layout(std::move(storage), dt, static_cast<int>(a.ndim()), shape, nullptr);
}

py::array image_to_numpy(const Image& image, bool readonly) {
  check_cpu(image, "view");
  const NumpyLayout l = numpy_layout(image);
  const auto es = static_cast<py::ssize_t>(dtype_size(image.dtype()));
  std::vector<py::ssize_t> shape, strides;
  for (int i = 0; i < l.ndim; ++i) {
    shape.push_back(static_cast<py::ssize_t>(l.shape[i]));
    strides.push_back(static_cast<py::ssize_t>(l.strides[i]) * es);
  }
  py::object owner = py::cast(image);  // a mirflow.Image sharing the storage: the array's base
  py::array a(numpy_dtype(image.dtype()), shape, strides, image.raw(), owner);
  if (readonly) a.attr("flags").attr("writeable") = false;
  return a;
}

void bind_image(py::module_& m) {
  py::class_<Image> cls(m, "Image", py::buffer_protocol(), R"doc(
A 2-D slice or 3-D volume as the engine sees it: pixels, dtype, geometry and metadata.

NumPy sees the pixels without a copy through the buffer protocol: ``np.asarray(img)`` shares
memory with the image, shape ``(ny, nx)`` or ``(nz, ny, nx)`` (the engine stores x fastest), and
writes through the array are visible in the image. Geometry (``spacing``, ``origin``) is in
``(x, y, z)`` order, as in SimpleITK; ``direction`` is a 3x3 matrix whose columns are the axes.
DLPack (``__dlpack__``) lets torch and others share the pixels too.
)doc");
  // Our own buffer functions (see image_getbuffer).
  auto* heap = reinterpret_cast<PyHeapTypeObject*>(cls.ptr());
  heap->as_buffer.bf_getbuffer = &image_getbuffer;
  heap->as_buffer.bf_releasebuffer = &image_releasebuffer;

  cls.def_static(
         "from_numpy",
         [](py::handle array, py::handle spacing, py::handle origin, py::handle direction, py::handle metadata) {
           Image im = image_from_object(array);
           apply_geometry(im, spacing, origin, direction, metadata);
           return im;
         },
         py::arg("array"), py::kw_only(), py::arg("spacing") = py::none(), py::arg("origin") = py::none(),
         py::arg("direction") = py::none(), py::arg("metadata") = py::none(),
         R"doc(
Wraps an array as an Image, without copying when possible.

A C-contiguous, aligned, writeable array of dtype uint8, int16, uint16, int32, float32 or float64
is shared: the image keeps a reference to the array, writes through either are visible in the
other, and either may outlive the other. Anything else is copied: a non-contiguous or read-only
array into a contiguous copy of the same dtype, and other dtypes (bool, int8, int64, float16...)
into **float32**. Shape ``(ny, nx)`` is a 2-D image, ``(nz, ny, nx)`` a volume. ``spacing`` and
``origin`` take up to three numbers in (x, y, z) order; ``direction`` a 3x3 matrix; ``metadata``
a dict of strings. A mirflow.Image is accepted too (shared, with the geometry given applied).
)doc")
      .def_static("from_dlpack", &from_dlpack, py::arg("tensor"),
                  "Shares a CPU tensor's memory (any object with __dlpack__, or a DLPack capsule). Same as "
                  "mirflow.from_dlpack.")
      .def("__dlpack__", [](const Image& im, py::handle /*stream*/) { return to_dlpack(im); },
           py::arg("stream") = py::none(),
           "A DLPack capsule sharing the pixels (CPU), e.g. for torch.utils.dlpack.from_dlpack(image).")
      .def("__dlpack_device__", [](const Image& im) { return py::make_tuple(im.device() == Device::CPU ? 1 : 2, 0); },
           "(device type, device id) as DLPack numbers: (1, 0) is the CPU.")
      .def("numpy", [](const Image& im) { return image_to_numpy(im, false); },
           "The pixels as a NumPy array sharing memory (the same as np.asarray(image)).")
      .def("copy", &Image::clone, "A contiguous copy of the pixels, with the same geometry and metadata.")
      .def(
          "astype", [](const Image& im, py::handle dtype) {
            DType dt{};
            if (!dtype_from_numpy(py::dtype::from_args(py::reinterpret_borrow<py::object>(dtype)), dt))
              throw py::type_error("mirflow images are uint8, int16, uint16, int32, float32 or float64");
            return im.astype(dt);
          },
          py::arg("dtype"), "A converted copy (integers saturate), with the same geometry and metadata.")
      .def_property_readonly("shape",
                             [](const Image& im) {
                               const NumpyLayout l = numpy_layout(im);
                               py::tuple t(l.ndim);
                               for (int i = 0; i < l.ndim; ++i) t[i] = l.shape[i];
                               return t;
                             },
                             "Shape in NumPy order: (ny, nx) or (nz, ny, nx).")
      .def_property_readonly("ndim", &Image::ndim)
      .def_property_readonly("dtype", [](const Image& im) { return numpy_dtype(im.dtype()); }, "A numpy.dtype.")
      .def_property_readonly("nbytes", &Image::bytes)
      .def_property_readonly("device", [](const Image& im) { return std::string(device_name(im.device())); })
      .def_property_readonly("contiguous", &Image::contiguous)
      .def_property(
          "spacing", [](const Image& im) { return triplet(im.geometry().spacing); },
          [](Image& im, py::handle v) { set_triplet(im.geometry().spacing, v, "spacing"); },
          "Pixel spacing (x, y, z) in mm.")
      .def_property(
          "origin", [](const Image& im) { return triplet(im.geometry().origin); },
          [](Image& im, py::handle v) { set_triplet(im.geometry().origin, v, "origin"); },
          "Physical position (x, y, z) of the first pixel, in mm.")
      .def_property(
          "direction",
          [](const Image& im) {
            py::array_t<double> a({3, 3});
            std::memcpy(a.mutable_data(), im.geometry().direction.data(), 9 * sizeof(double));
            return a;
          },
          [](Image& im, py::handle v) { set_direction(im.geometry(), v); },
          "3x3 direction matrix (a copy; columns are the x, y, z axes). Assign to change it.")
      .def_property(
          "metadata", [](const Image& im) { return im.metadata(); },
          [](Image& im, const Metadata& md) { im.metadata() = md; },
          "Key-value strings (modality, rescale, identifiers). A copy: assign a dict to change it.")
      .def("__repr__", [](const Image& im) {
        if (im.empty()) return std::string("<mirflow.Image empty>");
        std::string shape;
        const NumpyLayout l = numpy_layout(im);
        for (int i = 0; i < l.ndim; ++i) shape += (i ? ", " : "") + std::to_string(l.shape[i]);
        if (l.ndim == 1) shape += ",";
        const auto& s = im.geometry().spacing;
        char sp[96];
        std::snprintf(sp, sizeof sp, "%g, %g, %g", s[0], s[1], s[2]);
        return "<mirflow.Image " + std::string(dtype_name(im.dtype())) + " (" + shape + ") spacing=(" + sp + ") " +
               device_name(im.device()) + ">";
      });

  m.def("from_dlpack", &from_dlpack, py::arg("tensor"), R"doc(
Wraps a CPU tensor from another library as a mirflow.Image without copying.

``tensor`` is any object with ``__dlpack__`` (torch.Tensor, numpy.ndarray...) or an unconsumed
DLPack capsule. The image keeps the producer's memory alive; the producer's deleter runs when the
last image sharing it is gone. Dimensions are read in NumPy order ((ny, nx) or (nz, ny, nx)).
)doc");
}

}  // namespace mirflow::py_bindings
