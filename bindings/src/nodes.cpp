// The node types the bindings add to the process registry: py.input and py.output (arrays in and
// out of run_arrays), and the node types defined in Python with @mirflow.node_type.
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>

#include "bindings.hpp"

namespace mirflow::py_bindings {

namespace {

thread_local RunContext* tl_run = nullptr;

// ---- values between Python and the engine --------------------------------------------------------
py::object param_to_py(const ParamValue& v) {
  struct V {
    py::object operator()(std::monostate) const { return py::none(); }
    py::object operator()(bool b) const { return py::bool_(b); }
    py::object operator()(std::int64_t i) const { return py::int_(i); }
    py::object operator()(double d) const { return py::float_(d); }
    py::object operator()(const std::string& s) const { return py::str(s); }
    py::object operator()(const std::vector<double>& l) const { return py::cast(l); }
  };
  return std::visit(V{}, v);
}

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")); }

// "ValueError: bad value (at my_nodes.py:12, in process)"
std::string describe_python_error(py::error_already_set& e) {
  std::string s = py::str(e.type().attr("__name__"));
  const std::string msg = py::str(e.value());
  if (!msg.empty()) s += ": " + msg;
  if (e.trace()) {
    try {
      py::list frames = py::module_::import("traceback").attr("extract_tb")(e.trace());
      if (!frames.empty()) {
        py::handle f = frames[frames.size() - 1];
        s += " (at " + py::str(f.attr("filename")).cast<std::string>() + ":" +
             py::str(f.attr("lineno")).cast<std::string>() + ", in " + py::str(f.attr("name")).cast<std::string>() +
             ")";
      }
    } catch (py::error_already_set&) {
    }
  }
  return s;
}

void record_python_error(RunContext* run, const std::string& node, const std::string& item, py::handle exc) {
  if (!run) return;
  std::lock_guard lock(run->error_mutex);
  if (run->py_error) return;
  run->py_error = std::make_unique<PyRef>(exc);
  run->py_error_node = node;
  run->py_error_item = item;
}

RunContext* require_arrays_run(const std::string& type, const std::string& id) {
  RunContext* run = tl_run;
  if (!run || !run->arrays)
    throw InputError(type + " node '" + id + "' takes arrays from Python: run this graph with mirflow.run_arrays()");
  return run;
}

ParamSpec required_string(std::string name, std::string doc) {
  ParamSpec p = ParamSpec::String(std::move(name), "", std::move(doc));
  p.default_value = std::monostate{};
  return p;
}

// ---- py.input / py.output --------------------------------------------------------------------------
class PyInput final : public Node {
 public:
  explicit PyInput(const NodeConfig& c) : name_(c.params.get_string("name")) {
    RunContext* run = require_arrays_run("py.input", c.id);
    auto it = run->inputs.find(name_);
    if (it == run->inputs.end())
      throw InputError("no arrays were given for '" + name_ + "': pass inputs={'" + name_ + "': array}");
    feed_ = &it->second;
  }

  static NodeSpec spec() {
    return NodeSpec("py.input", "Emits the arrays given to mirflow.run_arrays(inputs={name: ...}), one work item each.")
        .output("image", kImagePort, "each array (or mirflow.Image) given for this name, keyed by its position")
        .param(required_string("name", "the key in run_arrays(inputs=...)"));
  }

  void process(Context& ctx) override {
    const RunContext::Feed* feed = feed_;
    std::vector<std::string> labels;
    if (!feed->is_list) labels.push_back(name_);
    else
      for (std::size_t i = 0; i < feed->items.size(); ++i) labels.push_back(name_ + "[" + std::to_string(i) + "]");
    // The feed outlives the run, and holds a reference to each image for its whole length, so no
    // node ever sees itself as the sole owner and reuses the caller's array in place.
    ctx.expand(std::move(labels), [feed](std::int64_t i) -> Outputs {
      return {{"image", std::any(feed->items[static_cast<std::size_t>(i)])}};
    });
  }

 private:
  std::string name_;
  const RunContext::Feed* feed_ = nullptr;
};

class PyOutput final : public Node {
 public:
  explicit PyOutput(const NodeConfig& c) : name_(c.params.get_string("name")), run_(require_arrays_run("py.output", c.id)) {}

  static NodeSpec spec() {
    return NodeSpec("py.output", "Collects images for mirflow.run_arrays(), returned under its name in key order.")
        .input("image", kImagePort, "the images to hand back to Python")
        .param(required_string("name", "the key of the result in run_arrays()'s return value"));
  }

  void process(Context& ctx) override {
    RunContext::Collected c;
    for (const Key* k = ctx.key().get(); k && k->parent(); k = k->parent().get()) c.order.push_back(k->index());
    std::reverse(c.order.begin(), c.order.end());
    c.key = ctx.key()->str();
    c.image = ctx.image_any_components("image");  // colour reaches Python as (..., 3)
    std::lock_guard lock(run_->out_mutex);
    run_->outputs[name_].push_back(std::move(c));
  }

 private:
  std::string name_;
  RunContext* run_;
};

// ---- node types defined in Python -------------------------------------------------------------------
struct PythonType {
  NodeSpec spec;
  std::shared_ptr<PyRef> cls;  // dropped on any thread: see PyRef
  std::string origin;
};

class PythonNode final : public Node {
 public:
  PythonNode(const NodeConfig& c, std::shared_ptr<const PythonType> type)
      : id_(c.id), type_(std::move(type)), run_(tl_run) {
    py::gil_scoped_acquire gil;
    drain_released();
    try {
      py::dict params;
      for (const auto& [k, v] : c.params.values()) params[py::str(k)] = param_to_py(v);
      instance_ = std::make_unique<PyRef>(type_->cls->handle()(params));
    } catch (py::error_already_set& e) {
      throw InputError(describe_python_error(e));  // "node 'x' (py.scale): ..." from the executor
    }
  }
  // instance_ goes through release_pyobject: no GIL is taken here (executor threads).
  ~PythonNode() override = default;

  void process(Context& ctx) override {
    py::gil_scoped_acquire gil;
    drain_released();
    try {
      call(ctx);
    } catch (py::error_already_set& e) {
      if (e.trace()) PyException_SetTraceback(e.value().ptr(), e.trace().ptr());  // for __cause__
      record_python_error(run_, id_, ctx.key() ? ctx.key()->str() : "", e.value());
      throw std::runtime_error(describe_python_error(e));
    }
  }

 private:
  void call(Context& ctx) {
    const NodeSpec& spec = type_->spec;
    py::dict inputs;
    std::vector<std::pair<py::object, const Image*>> given;  // arrays handed in, to recognise them coming back
    const Image* first_image = nullptr;
    for (const auto& port : spec.inputs) {
      if (!ctx.has(port.name)) continue;
      py::str key(port.name);
      if (port.type == kImagePort) {
        const Image& im = ctx.image(port.name);
        py::array a = image_to_numpy(im, /*readonly=*/true);  // inputs are read-only (architecture)
        given.emplace_back(a, &im);
        if (!first_image) first_image = &im;
        inputs[key] = a;
      } else {
        inputs[key] = py::module_::import("json").attr("loads")(ctx.input<std::string>(port.name));
      }
    }
    py::object result = instance_->handle().attr("process")(inputs);

    py::dict outputs;
    Py_ssize_t held = 1;  // references to a returned array that are ours, not the node's
    if (py::isinstance<py::dict>(result)) {
      outputs = py::reinterpret_borrow<py::dict>(result);
    } else if (result.is_none() && spec.outputs.empty()) {
      return;
    } else if (spec.outputs.size() == 1 && !result.is_none()) {
      outputs[py::str(spec.outputs[0].name)] = result;
      held = 2;  // `result` and `outputs`
    } else {
      throw std::runtime_error("process() must return a dict of outputs (" + port_list(spec.outputs) + "), got " +
                               type_name(result));
    }
    for (auto [k, v] : outputs) {
      const std::string name = py::str(k);
      const int idx = spec.output_index(name);
      if (idx < 0)
        throw std::runtime_error("process() returned an output '" + name + "' that " + spec.type +
                                 " does not declare (outputs: " + port_list(spec.outputs) + ")");
      const PortSpec& port = spec.outputs[static_cast<std::size_t>(idx)];
      if (port.type == kImagePort) {
        ctx.output(name, std::any(to_image(v, given, first_image, name, held)));
      } else if (py::isinstance<py::str>(v)) {
        ctx.output(name, std::any(v.cast<std::string>()));
      } else {
        ctx.output(name, std::any(py::str(py::module_::import("json").attr("dumps")(v)).cast<std::string>()));
      }
    }
  }

  // A returned array is shared with the engine only when nothing else can write to it later: it
  // owns its pixels and only the return value refers to it. An array the node keeps (a reused
  // buffer, a view of one) is copied, or the next call would overwrite items still in flight.
  static bool exclusive(py::handle v, Py_ssize_t held) {
    if (!py::isinstance<py::array>(v)) return true;  // a list...: converted to a fresh array
    const auto flags = py::reinterpret_borrow<py::array>(v).flags();
    return (flags & py::detail::npy_api::NPY_ARRAY_OWNDATA_) && Py_REFCNT(v.ptr()) <= held;
  }

  static Image to_image(py::handle v, const std::vector<std::pair<py::object, const Image*>>& given,
                        const Image* first_image, const std::string& port, Py_ssize_t held) {
    for (const auto& [array, image] : given)
      if (v.is(array)) return *image;  // an input passed through: no copy, geometry kept
    if (py::isinstance<Image>(v)) return v.cast<Image>();  // used as is: the node chose to share it
    Image out;
    try {
      out = image_from_object(v, exclusive(v, held));
    } catch (py::error_already_set& e) {
      throw std::runtime_error("output '" + port + "': " + describe_python_error(e));
    } catch (const std::exception& e) {
      throw std::runtime_error("output '" + port + "': " + e.what());
    }
    // A bare array of the input's shape keeps the input's geometry and metadata.
    if (first_image && first_image->ndim() == out.ndim() && first_image->shape() == out.shape()) {
      out.geometry() = first_image->geometry();
      out.metadata() = first_image->metadata();
    }
    return out;
  }

  static std::string port_list(const std::vector<PortSpec>& ports) {
    std::string s;
    for (const auto& p : ports) s += (s.empty() ? "" : ", ") + p.name;
    return s.empty() ? "none" : s;
  }

  std::string id_;
  std::shared_ptr<const PythonType> type_;
  RunContext* run_;
  std::unique_ptr<PyRef> instance_;
};

// ---- the process registry --------------------------------------------------------------------------
// Heap objects never destroyed: the registry's factories may hold Python references, which must
// not be dropped after the interpreter is gone.
std::mutex registry_mutex;
Registry* plugin_registry = nullptr;                               // plugins, loaded once
auto* python_types = new std::map<std::string, std::shared_ptr<const PythonType>>();
auto* snapshot = new std::shared_ptr<const Registry>();

const Registry& plugins_locked() {
  if (!plugin_registry) {
    plugin_registry = new Registry();
    load_plugins(*plugin_registry);
  }
  return *plugin_registry;
}

ParamType param_type_from(const std::string& s) {
  for (ParamType t : {ParamType::Bool, ParamType::Int, ParamType::Float, ParamType::String, ParamType::Path,
                      ParamType::Choice, ParamType::FloatList})
    if (s == param_type_name(t)) return t;
  throw py::value_error("unknown parameter type '" + s + "' (expected bool, int, float, string, path, choice, float list)");
}

ParamValue param_from_py(ParamType t, py::handle v) {
  if (v.is_none()) return std::monostate{};
  switch (t) {
    case ParamType::Bool: return v.cast<bool>();
    case ParamType::Int: return v.cast<std::int64_t>();
    case ParamType::Float: return v.cast<double>();
    case ParamType::String:
    case ParamType::Path:
    case ParamType::Choice: return py::str(v).cast<std::string>();
    case ParamType::FloatList: return v.cast<std::vector<double>>();
  }
  return std::monostate{};
}

NodeSpec spec_from_dict(py::dict d) {
  NodeSpec spec(d["type"].cast<std::string>(), d["doc"].cast<std::string>());
  spec.serial();  // one call at a time: Python code holds the GIL anyway, and instances keep state
  auto port = [](py::handle p, bool input, NodeSpec& s) {
    auto t = p.cast<py::tuple>();
    auto name = t[0].cast<std::string>(), type = t[1].cast<std::string>(), doc = t[2].cast<std::string>();
    if (type != kImagePort && type != kJsonPort)
      throw py::value_error("port '" + name + "' has type '" + type + "'; Python nodes take 'image' or 'json' ports");
    if (input) s.input(name, type, doc);
    else s.output(name, type, doc);
  };
  for (auto p : d["inputs"]) port(p, true, spec);
  for (auto p : d["outputs"]) port(p, false, spec);
  for (auto item : d["params"]) {
    auto p = item.cast<py::dict>();
    ParamSpec ps;
    ps.name = p["name"].cast<std::string>();
    ps.type = param_type_from(p["type"].cast<std::string>());
    ps.doc = p["doc"].cast<std::string>();
    ps.unit = p["unit"].cast<std::string>();
    ps.choices = p["choices"].cast<std::vector<std::string>>();
    if (!p["min"].is_none()) ps.min = p["min"].cast<double>();
    if (!p["max"].is_none()) ps.max = p["max"].cast<double>();
    if (p["optional"].cast<bool>()) ps.optional();
    else ps.default_value = param_from_py(ps.type, p["default"]);
    spec.param(std::move(ps));
  }
  return spec;
}

}  // namespace

RunContext* current_run() { return tl_run; }
void set_current_run(RunContext* ctx) { tl_run = ctx; }

std::shared_ptr<const Registry> registry() {
  std::lock_guard lock(registry_mutex);
  if (*snapshot) return *snapshot;
  auto r = std::make_shared<Registry>(plugins_locked());
  r->set_origin("python bindings");
  r->add<PyInput>();
  r->add<PyOutput>();
  for (const auto& [name, t] : *python_types) {
    r->set_origin(t->origin);
    std::shared_ptr<const PythonType> type = t;
    r->add(t->spec, [type](const NodeConfig& c) -> std::unique_ptr<Node> { return std::make_unique<PythonNode>(c, type); });
  }
  r->set_origin("builtin");
  *snapshot = r;
  return r;
}

void register_python_node(py::dict spec_dict, py::object cls) {
  auto type = std::make_shared<PythonType>(PythonType{spec_from_dict(spec_dict), std::make_shared<PyRef>(cls), ""});
  type->origin = "python: " + py::str(cls.attr("__module__")).cast<std::string>() + "." +
                 py::str(cls.attr("__qualname__")).cast<std::string>();
  std::lock_guard lock(registry_mutex);
  const std::string& name = type->spec.type;
  if (name == "py.input" || name == "py.output")
    throw py::value_error("node type '" + name + "' is built into the bindings; choose another name");
  if (const NodeType* existing = plugins_locked().find(name))
    throw py::value_error("node type '" + name + "' is already registered by " + existing->origin +
                          "; choose another name");
  // Defining a type again (a reloaded module, a notebook cell run twice) replaces it; runs already
  // going keep the snapshot they were validated with.
  (*python_types)[name] = std::move(type);
  snapshot->reset();
}

void bind_nodes(py::module_& m) {
  m.def("_register_node_type", &register_python_node, py::arg("spec"), py::arg("cls"));

  m.def("node_types", [] { return registry()->types(); }, "Names of every registered node type, sorted.");

  m.def(
      "describe",
      [](const std::string& type) {
        auto reg = registry();
        const NodeType* t = reg->find(type);
        if (!t) {
          std::string msg = "unknown node type '" + type + "'";
          auto near = reg->nearest(type);
          if (!near.empty()) msg += " (did you mean '" + near[0] + "'?)";
          throw InputError(msg);
        }
        const NodeSpec& s = t->spec;
        py::dict d;
        d["type"] = s.type;
        d["doc"] = s.doc;
        d["origin"] = t->origin;
        d["concurrency"] = s.concurrency == Concurrency::Serial ? "serial" : "parallel";
        py::dict inputs, outputs;
        for (const auto& p : s.inputs)
          inputs[py::str(p.name)] = py::dict(py::arg("type") = p.type, py::arg("required") = p.required,
                                             py::arg("doc") = p.doc);
        for (const auto& p : s.outputs)
          outputs[py::str(p.name)] = py::dict(py::arg("type") = p.type, py::arg("doc") = p.doc);
        auto schema = [](const std::vector<ParamSpec>& specs) {
          py::dict out;
          for (const auto& p : specs) {
            py::object range = py::none();
            if (std::isfinite(p.min) || std::isfinite(p.max)) range = py::make_tuple(p.min, p.max);
            out[py::str(p.name)] =
                py::dict(py::arg("type") = param_type_name(p.type), py::arg("default") = param_to_py(p.default_value),
                         py::arg("required") = p.required(), py::arg("optional") = p.is_optional(),
                         py::arg("range") = range, py::arg("unit") = p.unit, py::arg("choices") = p.choices,
                         py::arg("doc") = p.doc);
          }
          return out;
        };
        py::dict slots;
        for (const auto& slot : s.components) {
          py::dict available;
          for (const auto& name : reg->component_names(slot.kind)) {
            const ComponentType* c = reg->find_component(slot.kind, name);
            available[py::str(name)] =
                py::dict(py::arg("doc") = c->doc, py::arg("origin") = c->origin, py::arg("params") = schema(c->params));
          }
          slots[py::str(slot.name)] =
              py::dict(py::arg("kind") = slot.kind, py::arg("doc") = slot.doc, py::arg("components") = available);
        }
        d["inputs"] = inputs;
        d["outputs"] = outputs;
        d["params"] = schema(s.params);
        d["slots"] = slots;
        return d;
      },
      py::arg("type"), R"doc(
The schema of a node type, as a dict::

    {"type", "doc", "origin", "concurrency",
     "inputs":  {port: {"type", "required", "doc"}},
     "outputs": {port: {"type", "doc"}},
     "params":  {name: {"type", "default", "required", "optional", "range", "unit", "choices", "doc"}},
     "slots":   {slot: {"kind", "doc", "components": {name: {"doc", "origin", "params": {...}}}}}}

A slot takes a list of entries in TOML ([[node.<slot>]] tables) or, from Python, a list of dicts
``[{"type": name, **params}]``.

``range`` is ``(min, max)`` or None; ``default`` is None for a required parameter.
Raises InputError (naming the nearest types) for an unknown type.
)doc");

  m.def(
      "plugin_info",
      [] {
        auto reg = registry();
        std::vector<std::string> dirs;
        for (const auto& d : plugin_search_path()) dirs.push_back(d.string());
        py::dict d;
        d["search_path"] = dirs;
        d["refused"] = reg->load_notes();
        std::map<std::string, std::string> origins;
        for (const auto& name : reg->types()) origins[name] = reg->find(name)->origin;
        d["types"] = origins;
        return d;
      },
      "Where plugins are searched, which were refused and why, and where each node type comes from.");
}

}  // namespace mirflow::py_bindings
