"""mirflow.run / validate / Graph: TOML files and graphs built in code, overrides, reports, errors."""
import re
import textwrap
import threading

import numpy as np
import pytest

import mirflow
from conftest import has_types

# A source and a sink written in Python, so that run() has something to read and write without
# the io plugin: `test.ramp` emits one n x n ramp, `test.collect` keeps what it receives.
COLLECTED = []


@mirflow.node_type("test.ramp", inputs={}, params={"n": mirflow.Param(4, range=(1, 1000), doc="side length")})
class Ramp:
    """Emits one n x n float32 ramp."""

    def __init__(self, params):
        self.n = params["n"]

    def process(self, inputs):
        return np.arange(self.n * self.n, dtype=np.float32).reshape(self.n, self.n)


@mirflow.node_type("test.collect", outputs={}, params={"tag": "default"})
class Collect:
    """Keeps the images it receives in COLLECTED."""

    def __init__(self, params):
        self.tag = params["tag"]

    def process(self, inputs):
        COLLECTED.append((self.tag, inputs["image"].copy()))


GRAPH = """\
[graph]
name = "ramp"
edges = [
  "src.image -> smooth.image",
  "smooth.image -> sink.image",
]

[[node]]
id = "src"
type = "test.ramp"
n = 8

[[node]]
id = "smooth"
type = "classic.gaussian"
sigma = 1.0

[[node]]
id = "sink"
type = "test.collect"
"""


@pytest.fixture
def graph_file(tmp_path):
    p = tmp_path / "ramp.toml"
    p.write_text(GRAPH)
    COLLECTED.clear()
    return p


def test_run_a_toml_file(graph_file):
    report = mirflow.run(graph_file)
    assert len(COLLECTED) == 1
    tag, img = COLLECTED[0]
    assert tag == "default" and img.shape == (8, 8)
    assert isinstance(report, mirflow.RunReport)
    assert [n.id for n in report.nodes] == ["src", "smooth", "sink"]
    assert report.node("smooth").items == 1
    assert report.node("smooth").allocated == 8 * 8 * 4  # one float32 output
    assert report.allocated >= 8 * 8 * 4 and report.copied >= 0
    assert report.wall > 0
    assert "classic.gaussian" in report.table()


def test_overrides_as_keywords_change_behaviour(graph_file):
    mirflow.run(graph_file, **{"src.n": 5, "sink.tag": "kw"})
    mirflow.run(str(graph_file), set=["src.n=6", "sink.tag=set"])
    mirflow.run(graph_file, **{"smooth.sigma": 0.0, "sink.tag": "sigma0"})
    shapes = {tag: img.shape for tag, img in COLLECTED}
    assert shapes == {"kw": (5, 5), "set": (6, 6), "sigma0": (8, 8)}
    ramp = np.arange(64, dtype=np.float32).reshape(8, 8)
    np.testing.assert_allclose(COLLECTED[2][1], ramp, atol=1e-5)  # sigma 0 keeps the ramp


def test_override_errors(graph_file):
    with pytest.raises(TypeError, match="node.key"):
        mirflow.run(graph_file, sigma=2)
    with pytest.raises(mirflow.InputError, match=r"did you mean 'smooth'"):
        mirflow.run(graph_file, **{"smoth.sigma": 2})
    with pytest.raises(mirflow.InputError, match=r"parameter 'sigma': value -1 is outside \[0, 100\]"):
        mirflow.run(graph_file, **{"smooth.sigma": -1})


def test_stats_prints_the_table(graph_file, capsys):
    mirflow.run(graph_file, stats=True, threads=1)
    out = capsys.readouterr().out
    assert "total wall time" in out and "smooth" in out


def test_progress_callback_runs_on_the_calling_thread(graph_file):
    calls = []
    mirflow.run(graph_file, progress=lambda d, t: calls.append((d, t, threading.get_ident())))
    assert calls and calls[-1][0] == calls[-1][1]
    assert {c[2] for c in calls} == {threading.get_ident()}


# ---- errors with positions -----------------------------------------------------------------------------
def test_bad_graph_file_reports_file_line_column(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(GRAPH.replace('type = "classic.gaussian"', 'type = "classic.gausian"')
                 .replace("n = 8", "n = 0"))
    with pytest.raises(mirflow.InputError) as e:
        mirflow.validate(p)
    msg = str(e.value)
    # every problem at once, each with file:line:column
    assert f"{p}:11:5: node 'src': parameter 'n': value 0 is outside [1, 1000]" in msg
    assert f"{p}:14:1: node 'smooth': unknown node type 'classic.gausian' (did you mean 'classic.gaussian'" in msg
    diags = e.value.diagnostics
    assert {d["node"] for d in diags} >= {"src", "smooth"}
    assert all(d["file"] == str(p) and d["line"] > 0 and d["column"] > 0 for d in diags)
    assert isinstance(e.value, ValueError)


def test_toml_syntax_error_position(tmp_path):
    p = tmp_path / "syntax.toml"
    p.write_text('[graph]\nname = "x"\n\n[[node]]\nid = "a\n')
    with pytest.raises(mirflow.InputError, match=re.escape(str(p)) + r":5:\d+: TOML syntax error"):
        mirflow.run(p)


def test_missing_graph_file():
    with pytest.raises(mirflow.InputError, match="no such file"):
        mirflow.run("/nonexistent/graph.toml")


def test_graph_from_toml_string_keeps_its_positions():
    g = mirflow.Graph.from_toml(GRAPH.replace("sigma = 1.0", "sigma = true"), name="inline.toml")
    with pytest.raises(mirflow.InputError, match=r"inline.toml:16:9: node 'smooth': parameter 'sigma': expected float"):
        g.validate()


# ---- graphs built in code ----------------------------------------------------------------------------------
def test_graph_built_in_code_round_trips_through_toml():
    COLLECTED.clear()
    g = (mirflow.Graph("built", "in code")
         .node("src", "test.ramp", n=3)
         .node("sink", "test.collect", tag="built")
         .connect("src.image", "sink.image"))
    text = g.to_toml()
    assert 'type = "test.ramp"' in text and '"src.image -> sink.image"' in text
    summary = g.validate()
    assert [n["id"] for n in summary["nodes"]] == ["src", "sink"]
    assert summary["nodes"][0]["params"] == {"n": 3}
    assert summary["edges"] == ["src.image -> sink.image"]
    assert summary["dot"].startswith("digraph")
    g.run()
    assert COLLECTED[0][0] == "built" and COLLECTED[0][1].shape == (3, 3)
    # the same graph read back from its TOML
    again = mirflow.Graph.from_toml(text)
    assert again.nodes == g.nodes and again.edges == g.edges


def test_graph_values_are_written_as_toml():
    g = mirflow.Graph().node("n", "x.y", s='quote " back \\ tab\t', f=1e-5, i=3, b=True, l=[1, 2.5],
                             inf=float("inf"), npf=np.float32(0.5))
    text = g.to_toml()
    import tomllib
    params = tomllib.loads(text)["node"][0]
    assert params["s"] == 'quote " back \\ tab\t' and params["f"] == 1e-5 and params["i"] == 3
    assert params["b"] is True and params["l"] == [1, 2.5] and params["inf"] == float("inf")
    assert params["npf"] == 0.5
    with pytest.raises(ValueError, match="already used"):
        g.node("n", "x.y")
    with pytest.raises(TypeError):
        mirflow.Graph().node("n", "x.y", bad={"a": 1}).to_toml()


def test_graph_loaded_then_modified(graph_file):
    g = mirflow.Graph.load(graph_file)
    assert g.nodes[1]["params"] == {"sigma": 1.0}
    g.node("tap", "test.collect", tag="tap").connect("smooth.image", "tap.image")
    COLLECTED.clear()
    g.run()
    assert sorted(tag for tag, _ in COLLECTED) == ["default", "tap"]


def test_graph_argument_type():
    with pytest.raises(TypeError, match="Graph.from_toml"):
        mirflow.run(42)


# ---- with the io plugin (when built) -------------------------------------------------------------------
NPY_GRAPH = """\
[graph]
name = "npy"
edges = ["input.image -> smooth.image", "smooth.image -> output.image"]

[[node]]
id = "input"
type = "io.npy_read"
path = "in.npy"

[[node]]
id = "smooth"
type = "classic.gaussian"
sigma = 1.0

[[node]]
id = "output"
type = "io.npy_write"
path = "out.npy"
"""


@pytest.mark.skipif(not has_types("io.npy_read", "io.npy_write"), reason="io plugin not built")
def test_file_graph_with_path_overrides(tmp_path, monkeypatch):
    g = tmp_path / "npy.toml"
    g.write_text(NPY_GRAPH)
    a = np.random.default_rng(3).random((20, 30)).astype(np.float32)
    np.save(tmp_path / "in.npy", a)
    np.save(tmp_path / "other.npy", a * 10)
    mirflow.run(g)  # paths relative to the graph's folder
    y1 = np.load(tmp_path / "out.npy")
    monkeypatch.chdir(tmp_path)  # override paths are relative to the working directory, as with --set
    mirflow.run(g, **{"input.path": "other.npy", "output.path": "sub/other_out.npy", "smooth.sigma": 0.0})
    np.testing.assert_allclose(np.load(tmp_path / "sub" / "other_out.npy"), a * 10, rtol=1e-6)
    assert y1.std() < a.std()
    # the same graph on arrays: reader and writer replaced, same numbers
    out = mirflow.run_arrays(g, {"input": a})
    np.testing.assert_allclose(out["output"][0], y1, rtol=1e-6)


@pytest.mark.skipif(not has_types("io.npy_read"), reason="io plugin not built")
def test_unreadable_file_is_a_bad_input_run_error(tmp_path):
    g = tmp_path / "npy.toml"
    g.write_text(NPY_GRAPH)
    (tmp_path / "in.npy").write_bytes(b"not a numpy file")
    with pytest.raises((mirflow.RunError, mirflow.InputError)) as e:
        mirflow.run(g)
    assert "in.npy" in str(e.value)
    if isinstance(e.value, mirflow.RunError):
        assert e.value.bad_input and e.value.node == "input"
