"""Node types written in Python (@mirflow.node_type), used from TOML graphs in this process."""
import json
import threading

import numpy as np
import pytest

import mirflow


@mirflow.node_type("py.scale", inputs={"image": "image"}, outputs={"image": "image"},
                   params={"factor": mirflow.Param(1.0, range=(0, 10), unit="x", doc="multiplier")})
class Scale:
    """Multiplies the image by a factor."""

    def __init__(self, params):
        self.factor = params["factor"]

    def process(self, inputs):
        assert not inputs["image"].flags.writeable  # inputs are read-only views
        return {"image": inputs["image"] * np.float32(self.factor)}


@mirflow.node_type("test.fail_on", params={"index": 1})
class FailOn:
    def __init__(self, params):
        self.index = params["index"]
        self.seen = 0

    def process(self, inputs):
        self.seen += 1
        if inputs["image"].flat[0] == self.index:
            raise ZeroDivisionError(f"item with value {self.index}")
        return inputs["image"]


@mirflow.node_type("test.stats", outputs={"stats": "json"})
class Stats:
    """Image statistics as JSON (no __init__: params arrive as self.params)."""

    def process(self, inputs):
        return {"stats": {"mean": float(inputs["image"].mean()), "params": self.params}}


@mirflow.node_type("test.from_json", inputs={"stats": "json"}, outputs={"image": ("image", "a 1x1 image")})
class FromJson:
    def __init__(self, params):
        pass

    def process(self, inputs):
        return np.full((1, 1), inputs["stats"]["mean"], np.float64)


SCALE_GRAPH = """\
[graph]
name = "scale"
edges = ["input.image -> scale.image", "scale.image -> output.image"]

[[node]]
id = "input"
type = "py.input"
name = "x"

[[node]]
id = "scale"
type = "py.scale"
factor = 3

[[node]]
id = "output"
type = "py.output"
name = "y"
"""


def chain(*types, **params):
    g = mirflow.Graph().node("input", "py.input", name="x")
    prev = "input.image"
    for i, t in enumerate(types):
        g.node(f"n{i}", t, **params.get(t, {})).connect(prev, f"n{i}.image")
        prev = f"n{i}.image"
    return g.node("output", "py.output", name="y").connect(prev, "output.image")


def test_python_node_in_a_toml_string_graph():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    img = mirflow.Image.from_numpy(a, spacing=(0.5, 0.25), metadata={"k": "v"})
    out = mirflow.Graph.from_toml(SCALE_GRAPH).run_arrays({"x": img}, as_images=True)
    y = out["y"][0]
    np.testing.assert_array_equal(np.asarray(y), a * 3)
    # an output of the input's shape keeps the input's geometry and metadata
    assert y.spacing[:2] == (0.5, 0.25) and y.metadata == {"k": "v"}
    out = mirflow.Graph.from_toml(SCALE_GRAPH).run_arrays({"x": a}, **{"scale.factor": 0.5})
    np.testing.assert_array_equal(out["y"][0], a * 0.5)


def test_python_node_with_plugin_nodes_in_parallel_items():
    g = chain("classic.gaussian", "py.scale", **{"py.scale": {"factor": 2.0}})
    arrays = [np.full((16, 16), float(i), np.float32) for i in range(20)]
    out = g.run_arrays({"x": arrays}, threads=2)
    assert [float(y.mean()) for y in out["y"]] == pytest.approx([2.0 * i for i in range(20)])


def test_describe_a_python_type():
    d = mirflow.describe("py.scale")
    assert d["doc"] == "Multiplies the image by a factor."
    assert d["concurrency"] == "serial"
    assert d["origin"] == f"python: {__name__}.Scale"
    assert d["params"]["factor"] == {"type": "float", "default": 1.0, "required": False, "optional": False,
                                     "range": (0.0, 10.0), "unit": "x", "choices": [], "doc": "multiplier"}
    assert "py.scale" in mirflow.node_types()


def test_python_params_are_validated():
    with pytest.raises(mirflow.InputError, match=r"parameter 'factor': value 11 is outside \[0, 10\]"):
        mirflow.Graph.from_toml(SCALE_GRAPH).validate(**{"scale.factor": 11})
    with pytest.raises(mirflow.InputError, match="unknown parameter 'factr' for py.scale"):
        mirflow.Graph.from_toml(SCALE_GRAPH.replace("factor = 3", "factr = 3")).validate()


def test_exception_becomes_run_error_naming_node_and_item():
    arrays = [np.full((2, 2), float(i), np.float32) for i in range(4)]
    with pytest.raises(mirflow.RunError) as e:
        chain("test.fail_on", **{"test.fail_on": {"index": 2}}).run_arrays({"x": arrays})
    err = e.value
    assert err.node == "n0" and err.item == "x[2]"
    assert str(err).startswith("node 'n0', item 'x[2]': ZeroDivisionError: item with value 2 (at ")
    assert "test_python_nodes.py" in str(err) and "in process" in str(err)
    assert isinstance(err.__cause__, ZeroDivisionError)  # the original, with its traceback
    assert err.__cause__.__traceback__ is not None
    assert not err.bad_input


def test_constructor_error_is_input_error():
    @mirflow.node_type("test.bad_init")
    class BadInit:
        def __init__(self, params):
            raise ValueError("cannot load model")

        def process(self, inputs):
            return inputs

    with pytest.raises(mirflow.InputError, match=r"node 'n0' \(test.bad_init\): ValueError: cannot load model"):
        chain("test.bad_init").run_arrays({"x": np.zeros((2, 2))})


def test_bad_return_value_types():
    @mirflow.node_type("test.bad_return2", params={"mode": "none"})
    class BadReturn:
        def __init__(self, params):
            self.mode = params["mode"]

        def process(self, inputs):
            return {"none": None, "other": {"nope": inputs["image"]}, "string": "text"}[self.mode]

    x = {"x": np.zeros((2, 2))}
    for mode, msg in [("none", "must return a dict of outputs"), ("other", "output 'nope' that test.bad_return2 "
                                                                            "does not declare"),
                      ("string", "expected a NumPy array")]:
        with pytest.raises(mirflow.RunError, match=msg):
            chain("test.bad_return2", **{"test.bad_return2": {"mode": mode}}).run_arrays(x)


def test_json_ports_and_no_init():
    g = (mirflow.Graph().node("input", "py.input", name="x").node("stats", "test.stats")
         .node("img", "test.from_json").node("output", "py.output", name="y")
         .connect("input.image", "stats.image").connect("stats.stats", "img.stats")
         .connect("img.image", "output.image"))
    out = g.run_arrays({"x": np.full((3, 3), 4.0)})
    assert out["y"][0].shape == (1, 1) and out["y"][0][0, 0] == 4.0


def test_passing_an_input_through_does_not_copy():
    @mirflow.node_type("test.identity")
    class Identity:
        def __init__(self, params):
            pass

        def process(self, inputs):
            return {"image": inputs["image"]}

    a = np.ones((5, 5), np.uint8)
    out = chain("test.identity").run_arrays({"x": a})
    assert np.shares_memory(out["y"][0], a)
    assert out.report.node("n0").copied == 0


def test_redefining_a_type_replaces_it():
    def define(k):
        @mirflow.node_type("test.redefined")
        class Add:
            def __init__(self, params):
                pass

            def process(self, inputs):
                return inputs["image"] + k

    define(1)
    assert chain("test.redefined").run_arrays({"x": np.zeros((2, 2))})["y"][0][0, 0] == 1
    define(10)
    assert chain("test.redefined").run_arrays({"x": np.zeros((2, 2))})["y"][0][0, 0] == 10


def test_registration_errors():
    with pytest.raises(ValueError, match="already registered by .*mirflow_classic.so"):
        mirflow.node_type("classic.gaussian")(Scale)
    with pytest.raises(ValueError, match="built into the bindings"):
        mirflow.node_type("py.input")(Scale)
    with pytest.raises(ValueError, match="family.name"):
        mirflow.node_type("scale")
    with pytest.raises(ValueError, match="'image' or 'json' ports"):
        mirflow.node_type("test.port", inputs={"x": "tensor"})(Scale)
    with pytest.raises(TypeError, match="no process"):
        mirflow.node_type("test.noprocess")(type("NoProcess", (), {}))
    with pytest.raises(TypeError, match="give a default value"):
        mirflow.node_type("test.noparam", params={"p": None})(Scale)


def test_python_nodes_run_while_another_python_thread_works():
    # The GIL is released while a graph runs: a node waits for an event another Python thread sets.
    ev = threading.Event()

    @mirflow.node_type("test.wait")
    class Wait:
        def __init__(self, params):
            pass

        def process(self, inputs):
            assert ev.wait(10), "the other Python thread never ran: the GIL was held"
            return inputs["image"]

    t = threading.Timer(0.2, ev.set)
    t.start()
    chain("test.wait").run_arrays({"x": np.zeros((2, 2))})
    t.join()


def test_stats_json_content():
    g = (mirflow.Graph().node("input", "py.input", name="x").node("stats", "test.stats")
         .node("img", "test.from_json").node("output", "py.output", name="y")
         .connect("input.image", "stats.image").connect("stats.stats", "img.stats")
         .connect("img.image", "output.image"))
    summary = g.validate()
    assert summary["nodes"][1]["type"] == "test.stats"
    assert json.loads(json.dumps(summary["nodes"]))  # plain Python values


def test_fresh_outputs_are_shared_kept_buffers_are_copied():
    @mirflow.node_type("test.reused_buffer")
    class ReusedBuffer:
        """Writes every result into the same array: the engine must not keep that array."""

        def __init__(self, params):
            self.buf = None

        def process(self, inputs):
            if self.buf is None:
                self.buf = np.empty(inputs["image"].shape, np.float32)
            np.multiply(inputs["image"], 2, out=self.buf)
            return self.buf[:]  # a view of the kept buffer, even

    arrays = [np.full((4, 4), float(i), np.float32) for i in range(10)]
    out = chain("test.reused_buffer").run_arrays({"x": arrays})
    assert [float(y[0, 0]) for y in out["y"]] == [2.0 * i for i in range(10)]
    assert out.report.node("n0").copied == 10 * 4 * 4 * 4

    out = chain("py.scale", **{"py.scale": {"factor": 2.0}}).run_arrays({"x": arrays})
    assert [float(y[0, 0]) for y in out["y"]] == [2.0 * i for i in range(10)]
    assert out.report.node("n0").copied == 0  # a fresh array per call is handed over, not copied


def test_arrays_dropped_on_engine_threads_are_freed_by_the_end_of_the_run():
    import weakref
    refs = []

    @mirflow.node_type("test.fresh")
    class Fresh:
        def __init__(self, params):
            pass

        def process(self, inputs):
            a = inputs["image"] + 1  # handed to the engine without a copy
            refs.append(weakref.ref(a))
            return a

    # classic.gaussian drops each array on a oneTBB thread, which must not take the GIL: the
    # reference is queued and released by the bindings before run_arrays returns.
    out = chain("test.fresh", "classic.gaussian").run_arrays({"x": [np.zeros((8, 8), np.float32)] * 20},
                                                             threads=2)
    assert len(out["y"]) == 20 and len(refs) == 20
    assert all(r() is None for r in refs)
