"""mirflow.run_arrays: py.input / py.output, reader and writer replacement, ordering, memory."""
import numpy as np
import pytest

import mirflow
from conftest import refcount


def gaussian_reference(img, sigma):
    """The same separable Gaussian in NumPy ('reflect' boundaries, radius = 4 sigma)."""
    r = int(4 * sigma + 0.5)
    x = np.arange(-r, r + 1)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    k /= k.sum()
    out = img.astype(np.float64)
    for axis in (0, 1):
        padded = np.pad(out, [(r, r) if a == axis else (0, 0) for a in range(2)], mode="symmetric")
        out = sum(k[i] * np.take(padded, range(i, i + out.shape[axis]), axis=axis) for i in range(2 * r + 1))
    return out


def test_single_array_in_and_out(smooth_graph, rng):
    a = rng.random((32, 24), dtype=np.float32)
    out = smooth_graph.run_arrays({"x": a})
    assert list(out) == ["y"] and len(out["y"]) == 1
    y = out["y"][0]
    assert isinstance(y, np.ndarray) and y.shape == (32, 24) and y.dtype == np.float32
    np.testing.assert_allclose(y, gaussian_reference(a, 1.0), atol=1e-5)
    assert out.item_keys == {"y": ["x"]}
    assert out.report.node("smooth").items == 1


def test_a_list_is_one_item_each_in_order(smooth_graph, rng):
    arrays = [np.full((8, 8), float(i), np.float32) for i in range(12)]
    out = smooth_graph.run_arrays({"x": arrays}, threads=2)
    assert [float(y.mean()) for y in out["y"]] == pytest.approx(list(range(12)))
    assert out.item_keys["y"] == [f"x[{i}]" for i in range(12)]
    assert smooth_graph.run_arrays({"x": []})["y"] == []


def test_overrides_as_keywords_change_behaviour(smooth_graph, rng):
    a = rng.random((32, 32), dtype=np.float32)
    y1 = smooth_graph.run_arrays({"x": a})["y"][0]
    y3 = smooth_graph.run_arrays({"x": a}, **{"smooth.sigma": 3.0})["y"][0]
    y0 = smooth_graph.run_arrays({"x": a}, set=["smooth.sigma=0"])["y"][0]
    assert y3.std() < y1.std() < a.std()
    np.testing.assert_allclose(y0, a, atol=1e-6)


def test_passthrough_shares_memory_end_to_end():
    g = (mirflow.Graph().node("i", "py.input", name="x").node("p", "flow.passthrough")
         .node("o", "py.output", name="y").connect("i.image", "p.image").connect("p.image", "o.image"))
    a = np.arange(20, dtype=np.int16).reshape(4, 5)
    y = g.run_arrays({"x": a})["y"][0]
    assert np.shares_memory(y, a)  # no copy anywhere: in, through the graph, out


def test_inputs_are_never_modified_and_released(smooth_graph, rng):
    a = rng.random((16, 16), dtype=np.float32)
    keep = a.copy()
    base = refcount(a)
    img = mirflow.Image.from_numpy(a)
    for _ in range(3):
        smooth_graph.run_arrays({"x": [a, img, a]})
    del img
    np.testing.assert_array_equal(a, keep)
    assert refcount(a) == base  # the run took no lasting reference


def test_volume_through_slices_and_back_keeps_order_and_geometry(rng):
    g = (mirflow.Graph()
         .node("input", "py.input", name="vol")
         .node("slices", "flow.slice")
         .node("smooth", "classic.gaussian", sigma=1.0)
         .node("stack", "flow.stack")
         .node("per_slice", "py.output", name="slices")
         .node("output", "py.output", name="vol")
         .edge("input.image -> slices.volume")
         .edge("slices.slice -> smooth.image")
         .edge("smooth.image -> stack.slice")
         .edge("smooth.image -> per_slice.image")
         .edge("stack.volume -> output.image"))
    v = rng.random((9, 20, 16), dtype=np.float32)  # (nz, ny, nx)
    img = mirflow.Image.from_numpy(v, spacing=(0.8, 0.9, 2.0), origin=(1, 2, 3), metadata={"modality": "MR"})
    out = g.run_arrays({"vol": img}, as_images=True, threads=2)
    assert out.item_keys["slices"] == [f"vol/z={z}" for z in range(9)]  # slices sorted by key, not arrival
    vol = out["vol"][0]
    assert isinstance(vol, mirflow.Image) and vol.shape == (9, 20, 16)
    assert vol.spacing == (0.8, 0.9, 2.0) and vol.origin == (1.0, 2.0, 3.0)
    assert vol.metadata == {"modality": "MR"}
    for z in range(9):
        ref = gaussian_reference(v[z], 1.0)
        np.testing.assert_allclose(np.asarray(out["slices"][z]), ref, atol=1e-5)
        np.testing.assert_allclose(np.asarray(vol)[z], ref, atol=1e-5)
        assert out["slices"][z].origin[2] == pytest.approx(3 + 2.0 * z)


READER_GRAPH = """\
[graph]
name = "files"
edges = ["input.image -> smooth.image", "smooth.image -> output.image"]

[[node]]
id = "input"
type = "io.nifti_read"
path = "/nonexistent/in.nii.gz"

[[node]]
id = "smooth"
type = "classic.gaussian"

[[node]]
id = "output"
type = "io.nifti_write"
path = "/nonexistent/out.nii.gz"
"""


def test_readers_and_writers_are_replaced_by_arrays(rng):
    # The same graph that reads and writes files (whether or not the io plugin is built) runs on
    # arrays: `input` becomes a py.input and `output` a py.output, keeping their edges.
    g = mirflow.Graph.from_toml(READER_GRAPH)
    a = rng.random((12, 12), dtype=np.float32)
    out = g.run_arrays({"input": a})
    np.testing.assert_allclose(out["output"][0], gaussian_reference(a, 1.0), atol=1e-5)
    # overrides of the replaced nodes' parameters are dropped with them; others apply
    out2 = g.run_arrays({"input": a}, **{"input.path": "/elsewhere.nii", "smooth.sigma": 2.0})
    assert out2["output"][0].std() < out["output"][0].std()


def test_outputs_can_tap_any_port(smooth_graph, rng):
    a = rng.random((10, 10), dtype=np.float32)
    out = smooth_graph.run_arrays({"x": a}, outputs=["input.image", "smooth.image", "y"])
    assert list(out) == ["input.image", "smooth.image", "y"]
    assert np.shares_memory(out["input.image"][0], a)
    np.testing.assert_array_equal(out["smooth.image"][0], out["y"][0])
    assert list(smooth_graph.run_arrays({"x": a}, outputs="y")) == ["y"]


def test_wiring_errors(smooth_graph, rng):
    a = np.zeros((4, 4), np.float32)
    with pytest.raises(mirflow.InputError, match="py.input node 'x' has no arrays"):
        smooth_graph.run_arrays({})
    with pytest.raises(mirflow.InputError, match="no py.input node named 'z' and no node with id 'z'"):
        smooth_graph.run_arrays({"x": a, "z": a})
    with pytest.raises(mirflow.InputError, match="only a source .* can be replaced"):
        smooth_graph.run_arrays({"x": a, "smooth": a})
    with pytest.raises(mirflow.InputError, match="only a sink"):
        smooth_graph.run_arrays({"x": a}, outputs=["smooth"])
    with pytest.raises(mirflow.InputError, match="no output port 'nope' on classic.gaussian"):
        smooth_graph.run_arrays({"x": a}, outputs=["smooth.nope"])
    with pytest.raises(ValueError, match=r"inputs\['x\[1\]'\]: expected a 2-D"):
        smooth_graph.run_arrays({"x": [a, np.zeros(())]})
    g = mirflow.Graph().node("i", "py.input", name="x").node("s", "classic.gaussian").connect("i.image", "s.image")
    with pytest.raises(mirflow.InputError, match="no py.output node"):
        g.run_arrays({"x": a})


def test_py_nodes_need_run_arrays(smooth_graph):
    with pytest.raises(mirflow.InputError, match="run this graph with mirflow.run_arrays"):
        smooth_graph.run()


def test_arrays_and_images_of_any_dtype_mix(smooth_graph):
    a = np.ones((6, 6), np.float64)
    out = smooth_graph.run_arrays({"x": [a, mirflow.Image.from_numpy(a.astype(np.uint8))]})
    np.testing.assert_allclose(out["y"][0], 1.0, atol=1e-6)
    np.testing.assert_allclose(out["y"][1], 1.0, atol=1e-6)
