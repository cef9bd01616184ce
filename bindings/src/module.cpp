// mirflow._mirflow: the engine front end for Python. The public API is the `mirflow` package
// (bindings/mirflow/__init__.py); this module gives it errors, images, the registry and runs.
#include <pybind11/stl.h>

#include <chrono>
#include <condition_variable>
#include <thread>

#include "bindings.hpp"

namespace mirflow::py_bindings {

namespace {

PyObject* input_error_type = nullptr;  // mirflow.InputError(ValueError)
PyObject* run_error_type = nullptr;    // mirflow.RunError(RuntimeError)

// Raises `type(message)` with extra attributes; `cause` becomes __cause__ (the Python exception a
// Python node raised). Always throws.
[[noreturn]] void raise_with(PyObject* type, const std::string& message, py::dict attrs, py::handle cause = {}) {
  py::object exc = py::reinterpret_borrow<py::object>(type)(message);
  for (auto [k, v] : attrs) py::setattr(exc, k, v);
  if (cause) PyException_SetCause(exc.ptr(), cause.inc_ref().ptr());  // steals the reference
  PyErr_SetObject(type, exc.ptr());
  throw py::error_already_set();
}

py::dict input_error_attrs(const InputError& e) {
  py::list diags;
  if (const auto* v = dynamic_cast<const ValidationError*>(&e))
    for (const auto& d : v->diagnostics())
      diags.append(py::dict(py::arg("file") = d.file, py::arg("line") = d.line, py::arg("column") = d.column,
                            py::arg("node") = d.node, py::arg("message") = d.message));
  return py::dict(py::arg("diagnostics") = diags);
}

py::dict run_error_attrs(const RunError& e) {
  return py::dict(py::arg("node") = e.node(), py::arg("item") = e.item(), py::arg("reason") = e.reason(),
                  py::arg("bad_input") = e.bad_input());
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const InputError& e) {
    try {
      raise_with(input_error_type, e.what(), input_error_attrs(e));
    } catch (py::error_already_set& pe) {
      pe.restore();
    }
  } catch (const RunError& e) {
    try {
      raise_with(run_error_type, e.what(), run_error_attrs(e));
    } catch (py::error_already_set& pe) {
      pe.restore();
    }
  }
}

// ---- graphs ----------------------------------------------------------------------------------------
// `source` is ("file", path) or ("text", toml, name_for_errors, base_dir).
GraphDecl load_graph(py::tuple source, const std::vector<std::string>& overrides) {
  const auto kind = source[0].cast<std::string>();
  GraphDecl g = kind == "file" ? parse_graph_file(source[1].cast<std::string>())
                               : parse_graph_string(source[1].cast<std::string>(), source[2].cast<std::string>(),
                                                    source[3].cast<std::string>());
  apply_overrides(g, overrides);
  return g;
}

const std::string* string_param(const NodeDecl& n, const std::string& key) {
  auto it = n.params.find(key);
  if (it == n.params.end()) return nullptr;
  return std::get_if<std::string>(&it->second.value);
}

void make_array_node(NodeDecl& n, const char* type, const std::string& name) {
  n.type = type;
  ParamDecl p;
  p.value = name;
  p.pos = n.pos;
  n.params.clear();
  n.param_key_pos.clear();
  n.params["name"] = std::move(p);
}

std::string node_ids(const GraphDecl& g) {
  std::string s;
  for (const auto& n : g.nodes) s += (s.empty() ? "" : ", ") + n.id;
  return s;
}

// Wires arrays into the graph: each input name feeds the py.input nodes of that name, or replaces
// the node with that id (a reader) by one; each output is a py.output name, the id of a sink (a
// writer) to replace, or "node.port" to tap. Returns the output names to collect.
std::vector<std::string> wire_arrays(GraphDecl& g, const Registry& reg, const std::vector<std::string>& input_names,
                                     const std::optional<std::vector<std::string>>& wanted) {
  std::vector<Diagnostic> errors;
  auto error = [&](const std::string& where, const std::string& node, const std::string& msg) {
    errors.push_back({where, 0, 0, node, msg});
  };
  auto find_node = [&](const std::string& id) -> NodeDecl* {
    for (auto& n : g.nodes)
      if (n.id == id) return &n;
    return nullptr;
  };
  auto names_of = [&](const char* type) {
    std::vector<std::string> names;
    for (const auto& n : g.nodes)
      if (n.type == type)
        if (const std::string* s = string_param(n, "name")) names.push_back(*s);
    return names;
  };
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };

  const std::vector<std::string> py_inputs = names_of("py.input");
  for (const auto& name : input_names) {
    if (has(py_inputs, name)) continue;
    const std::string where = "run_arrays(inputs={'" + name + "': ...})";
    NodeDecl* n = find_node(name);
    if (!n) {
      error(where, "", "the graph has no py.input node named '" + name + "' and no node with id '" + name +
                           "' to replace (nodes: " + node_ids(g) + ")");
      continue;
    }
    const NodeType* t = reg.find(n->type);
    if (t && !t->spec.is_source()) {
      error(where, n->id, "only a source (a reader) can be replaced by arrays, and " + n->type + " takes inputs");
      continue;
    }
    make_array_node(*n, "py.input", name);
  }
  for (const auto& name : names_of("py.input"))
    if (!has(input_names, name))
      error("run_arrays(inputs=...)", "", "the graph's py.input node '" + name + "' has no arrays: pass inputs={'" +
                                              name + "': array}");

  std::vector<std::string> outputs = names_of("py.output");
  if (!wanted) {
    if (outputs.empty()) {
      NodeDecl* n = find_node("output");
      const NodeType* t = n ? reg.find(n->type) : nullptr;
      if (n && (!t || t->spec.outputs.empty())) {
        make_array_node(*n, "py.output", "output");
        outputs.push_back("output");
      } else {
        error("run_arrays()", "", "the graph has no py.output node and no writer with id 'output' to replace: "
                                  "pass outputs=['node.port'] to say what to return");
      }
    }
  } else {
    std::vector<std::string> chosen;
    int taps = 0;
    for (const auto& o : *wanted) {
      const std::string where = "run_arrays(outputs=['" + o + "'])";
      if (has(chosen, o)) continue;
      if (has(outputs, o)) {
        chosen.push_back(o);
      } else if (auto dot = o.find('.'); dot != std::string::npos) {
        NodeDecl tap;
        do tap.id = "py_output_" + std::to_string(++taps);
        while (find_node(tap.id));
        tap.type = "py.output";
        tap.pos = {where, 0, 0};
        make_array_node(tap, "py.output", o);
        EdgeDecl e;
        e.from_node = o.substr(0, dot);
        e.from_port = o.substr(dot + 1);
        e.to_node = tap.id;
        e.to_port = "image";
        e.pos = {where, 0, 0};
        g.nodes.push_back(std::move(tap));
        g.edges.push_back(std::move(e));
        chosen.push_back(o);
      } else if (NodeDecl* n = find_node(o)) {
        const NodeType* t = reg.find(n->type);
        if (t && !t->spec.outputs.empty()) {
          error(where, o, "only a sink (a writer) can be replaced by a py.output; to take " + n->type +
                              "'s result, name its port: '" + o + "." +
                              (t->spec.outputs.empty() ? std::string("image") : t->spec.outputs[0].name) + "'");
          continue;
        }
        make_array_node(*n, "py.output", o);
        chosen.push_back(o);
      } else {
        error(where, "", "no py.output named '" + o + "' and no node with id '" + o + "' (nodes: " + node_ids(g) + ")");
      }
    }
    outputs = chosen;
  }
  std::vector<std::string> seen;
  for (const auto& n : g.nodes)
    if (n.type == "py.output")
      if (const std::string* s = string_param(n, "name")) {
        if (has(seen, *s)) error(n.pos.file, n.id, "two py.output nodes are named '" + *s + "'");
        seen.push_back(*s);
      }
  if (!errors.empty()) throw ValidationError(errors);
  return outputs;
}

struct ParamToPy {
  py::object operator()(std::monostate) const { return py::none(); }
  py::object operator()(const std::vector<double>& l) const { return py::cast(l); }
  py::object operator()(const auto& x) const { return py::cast(x); }
};

py::dict graph_summary(const ValidGraph& vg) {
  py::list nodes, edges;
  for (const auto& n : vg.nodes) {
    py::dict params;
    for (const auto& [k, v] : n.params.values()) params[py::str(k)] = std::visit(ParamToPy{}, v);
    for (const auto& [slot, entries] : n.components) {
      if (entries.empty()) continue;
      py::list list;
      for (const auto& c : entries) {
        py::dict e;
        e["type"] = c.type;
        for (const auto& [k, v] : c.params.values()) e[py::str(k)] = std::visit(ParamToPy{}, v);
        list.append(e);
      }
      params[py::str(slot)] = list;
    }
    nodes.append(py::dict(py::arg("id") = n.id, py::arg("type") = n.type->spec.type, py::arg("params") = params));
  }
  for (const auto& e : vg.edges) {
    const auto& a = vg.nodes[static_cast<std::size_t>(e.from)];
    const auto& b = vg.nodes[static_cast<std::size_t>(e.to)];
    edges.append(a.id + "." + a.type->spec.outputs[static_cast<std::size_t>(e.from_port)].name + " -> " + b.id + "." +
                 b.type->spec.inputs[static_cast<std::size_t>(e.to_port)].name);
  }
  return py::dict(py::arg("name") = vg.decl.name, py::arg("description") = vg.decl.description,
                  py::arg("nodes") = nodes, py::arg("edges") = edges, py::arg("dot") = vg.to_dot());
}

py::dict report_dict(const RunReport& r) {
  py::list nodes;
  for (const auto& n : r.nodes)
    nodes.append(py::dict(py::arg("id") = n.id, py::arg("type") = n.type, py::arg("items") = n.items,
                          py::arg("wall") = n.wall_seconds, py::arg("allocated") = n.allocated_bytes,
                          py::arg("copied") = n.copied_bytes));
  return py::dict(py::arg("wall") = r.wall_seconds, py::arg("nodes") = nodes, py::arg("table") = r.table());
}

// ---- running -----------------------------------------------------------------------------------------
// The engine runs on a worker thread while this (Python) thread waits with the GIL released, taking
// it back every 100 ms to drain released references, report progress and check for signals. On
// Ctrl-C (or an exception from the progress callback) the run is cancelled, joined and the Python
// exception re-raised.
RunReport run_engine(const ValidGraph& vg, RunContext& ctx, int threads, int max_in_flight, py::object progress) {
  struct State {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    RunReport report;
    std::exception_ptr error;
    std::atomic<bool> cancel{false};
    std::atomic<std::int64_t> items_done{0}, items_total{0};
  };
  auto st = std::make_shared<State>();
  RunOptions opt;
  opt.threads = threads;
  opt.max_in_flight = max_in_flight;
  opt.cancel = &st->cancel;
  if (!progress.is_none())
    opt.on_progress = [st](const Progress& p) {
      st->items_done = p.done;
      st->items_total = p.total;
    };

  std::thread worker([&vg, &ctx, st, opt] {
    set_current_run(&ctx);  // node factories run on this thread
    try {
      st->report = run(vg, opt);
    } catch (...) {
      st->error = std::current_exception();
    }
    set_current_run(nullptr);
    {
      std::lock_guard lock(st->m);
      st->done = true;
    }
    st->cv.notify_all();
  });
  auto join = [&] {
    py::gil_scoped_release nogil;  // Python nodes still running need the GIL to finish
    worker.join();
  };

  std::int64_t shown_done = -1, shown_total = -1;
  try {
    for (;;) {
      bool finished;
      {
        py::gil_scoped_release nogil;
        std::unique_lock lock(st->m);
        finished = st->cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return st->done; });
      }
      drain_released();
      if (!progress.is_none()) {
        const std::int64_t d = st->items_done, t = st->items_total;
        if (d != shown_done || t != shown_total) {
          shown_done = d, shown_total = t;
          progress(d, t);
        }
      }
      if (finished) break;
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
  } catch (...) {
    st->cancel = true;
    join();
    drain_released();
    throw;
  }
  join();
  drain_released();
  if (st->error) std::rethrow_exception(st->error);
  return st->report;
}

struct RunArgs {
  std::vector<std::string> overrides;
  int threads = 0, max_in_flight = 0;
  py::object progress;
};

// Runs and converts a RunError, chaining the Python exception a Python node raised.
RunReport run_and_report(const ValidGraph& vg, RunContext& ctx, const RunArgs& a) {
  try {
    return run_engine(vg, ctx, a.threads, a.max_in_flight, a.progress);
  } catch (const RunError& e) {
    py::handle cause;
    py::object keep;
    {
      std::lock_guard lock(ctx.error_mutex);
      if (ctx.py_error && ctx.py_error_node == e.node() && ctx.py_error_item == e.item())
        keep = py::reinterpret_borrow<py::object>(ctx.py_error->handle());
    }
    raise_with(run_error_type, e.what(), run_error_attrs(e), keep);
  }
}

py::dict run_graph(py::tuple source, const RunArgs& a) {
  drain_released();
  auto reg = registry();
  GraphDecl g = load_graph(source, a.overrides);
  ValidGraph vg = validate(g, *reg);
  RunContext ctx;
  return report_dict(run_and_report(vg, ctx, a));
}

// inputs: {name: (list of Image, is_list)}; outputs: None or names. Returns (report, {name: [(key, Image)]}).
py::tuple run_arrays_graph(py::tuple source, const RunArgs& a, py::dict inputs, std::optional<std::vector<std::string>> wanted) {
  drain_released();
  auto reg = registry();
  GraphDecl g = load_graph(source, a.overrides);
  RunContext ctx;
  ctx.arrays = true;
  std::vector<std::string> names;
  for (auto [k, v] : inputs) {
    auto t = v.cast<py::tuple>();
    RunContext::Feed feed;
    for (auto item : t[0]) feed.items.push_back(item.cast<Image>());
    feed.is_list = t[1].cast<bool>();
    names.push_back(k.cast<std::string>());
    ctx.inputs[names.back()] = std::move(feed);
  }
  const std::vector<std::string> outputs = wire_arrays(g, *reg, names, wanted);
  ValidGraph vg = validate(g, *reg);
  RunReport report = run_and_report(vg, ctx, a);

  py::dict results;
  for (const auto& name : outputs) {
    auto& items = ctx.outputs[name];
    std::stable_sort(items.begin(), items.end(), [](const auto& x, const auto& y) { return x.order < y.order; });
    py::list l;
    for (const auto& c : items) l.append(py::make_tuple(c.key, c.image));
    results[py::str(name)] = l;
  }
  return py::make_tuple(report_dict(report), results);
}

}  // namespace

}  // namespace mirflow::py_bindings

PYBIND11_MODULE(_mirflow, m) {
  namespace mp = mirflow::py_bindings;
  namespace py = pybind11;
  m.doc() = "mirflow engine bindings (use the `mirflow` package)";

  mp::input_error_type = PyErr_NewExceptionWithDoc(
      "mirflow.InputError",
      "Bad input found before anything ran (graph syntax, unknown types or parameters, files), or a node "
      "that refused its parameters. `diagnostics` lists each problem (file, line, column, node, message) when "
      "validation found them.",
      PyExc_ValueError, nullptr);
  mp::run_error_type = PyErr_NewExceptionWithDoc(
      "mirflow.RunError",
      "A failure while the graph ran. `node` and `item` say where, `reason` what; `bad_input` is true when the "
      "cause was input met while running (an unreadable file). A Python node's exception is the __cause__.",
      PyExc_RuntimeError, nullptr);
  m.attr("InputError") = py::handle(mp::input_error_type);
  m.attr("RunError") = py::handle(mp::run_error_type);
  py::register_exception_translator(&mp::translate);

  mp::bind_image(m);
  mp::bind_nodes(m);

  m.def("version", &mirflow::version, "The engine's version.");

  m.def(
      "_validate",
      [](py::tuple source, const std::vector<std::string>& overrides) {
        mp::drain_released();
        auto reg = mp::registry();
        return mp::graph_summary(mirflow::validate(mp::load_graph(source, overrides), *reg));
      },
      py::arg("source"), py::arg("overrides"));

  m.def(
      "_run",
      [](py::tuple source, const std::vector<std::string>& overrides, int threads, int max_in_flight,
         py::object progress) {
        return mp::run_graph(source, {overrides, threads, max_in_flight, progress});
      },
      py::arg("source"), py::arg("overrides"), py::arg("threads"), py::arg("max_in_flight"), py::arg("progress"));

  m.def(
      "_run_arrays",
      [](py::tuple source, const std::vector<std::string>& overrides, int threads, int max_in_flight,
         py::object progress, py::dict inputs, std::optional<std::vector<std::string>> outputs) {
        return mp::run_arrays_graph(source, {overrides, threads, max_in_flight, progress}, inputs, outputs);
      },
      py::arg("source"), py::arg("overrides"), py::arg("threads"), py::arg("max_in_flight"), py::arg("progress"),
      py::arg("inputs"), py::arg("outputs"));

  m.def("_drain", &mp::drain_released, "Drops Python references that engine threads released (tests).");
}
