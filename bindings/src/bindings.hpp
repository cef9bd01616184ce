#pragma once
// Shared declarations of the Python extension `mirflow._mirflow`.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mirflow/engine.hpp"
#include "mirflow/image.hpp"
#include "mirflow/key.hpp"
#include "mirflow/registry.hpp"

namespace mirflow::py_bindings {

namespace py = pybind11;

// ---- Python references held by engine objects ---------------------------------------------------
// Engine objects (a Storage wrapping a NumPy array, a Python node instance) are destroyed on
// whatever thread drops them last, often a oneTBB worker. The architecture forbids taking the GIL
// in engine destructors (a worker waiting for the GIL while the GIL holder waits for the graph
// deadlocks), so a release either decrements at once, when this thread already holds the GIL, or
// queues the object; the queue is drained whenever the bindings hold the GIL, and a pending call
// asks the interpreter's main thread to drain it soon.
void release_pyobject(PyObject* obj) noexcept;
// Decrements everything queued so far. Needs the GIL.
void drain_released() noexcept;

// A strong reference that is safe to drop on any thread (see release_pyobject).
class PyRef {
 public:
  // Takes a new reference to `h` (the GIL must be held).
  explicit PyRef(py::handle h) : obj_(h.inc_ref().ptr()) {}
  ~PyRef() { release_pyobject(obj_); }
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  PyObject* get() const { return obj_; }
  py::handle handle() const { return obj_; }

 private:
  PyObject* obj_;
};

// ---- images -------------------------------------------------------------------------------------
// Wraps a NumPy array (or anything np.asarray accepts, or a mirflow.Image) as an Image, without a
// copy when the array is C-contiguous, aligned, writeable and of a supported dtype; otherwise as a
// contiguous copy (unsupported dtypes become float32). `share` false: always copy an array.
Image image_from_object(py::handle obj, bool share = true);
// A NumPy array viewing the image's pixels (no copy); the array keeps the pixels alive.
py::array image_to_numpy(const Image& image, bool readonly);
void bind_image(py::module_& m);

// ---- node types defined by the bindings ---------------------------------------------------------
// One graph run started from Python: the arrays fed to py.input nodes, the images py.output nodes
// collect, and the first exception a Python-defined node raised (to chain it to RunError).
struct RunContext {
  struct Feed {
    std::vector<Image> items;
    bool is_list = false;
  };
  struct Collected {
    std::vector<std::int64_t> order;  // key indices from the root down
    std::string key;
    Image image;
  };
  bool arrays = false;  // run_arrays(): py.input / py.output are allowed
  std::map<std::string, Feed> inputs;
  std::mutex out_mutex;
  std::map<std::string, std::vector<Collected>> outputs;

  std::mutex error_mutex;
  std::unique_ptr<PyRef> py_error;  // the exception object, first one only
  std::string py_error_node, py_error_item;
};

// Set on the thread that calls mirflow::run (the factories run there), read by node factories.
RunContext* current_run();
void set_current_run(RunContext* ctx);

// The process registry: every plugin in the search path, py.input/py.output and the node types
// defined in Python. Snapshots are immutable; registering a Python type makes a new one, so a
// graph that is running keeps the types it was validated with.
std::shared_ptr<const Registry> registry();
void register_python_node(py::dict spec, py::object cls);
void bind_nodes(py::module_& m);

}  // namespace mirflow::py_bindings
