"""Component slots from Python: a list of dicts becomes [[node.<slot>]] entries; describe() lists slots.

Uses the test plugin's test.chain node (slot "step", components affine and clamp), loaded in a
subprocess through MIRFLOW_PLUGIN_PATH because the module otherwise only sees the user plugins.
"""
import os
import subprocess
import sys
from pathlib import Path

import mirflow

TEST_PLUGINS = Path.cwd() / "test-plugins"  # ctest runs in the build directory

CHAIN = """
import json, numpy as np, mirflow
g = (mirflow.Graph("chain")
     .node("input", "py.input", name="x")
     .node("chain", "test.chain", step=[{"type": "affine", "a": 3.0, "b": -1.0}, {"type": "clamp", "lo": 0.0, "hi": 4.0}])
     .node("output", "py.output", name="y")
     .edge("input.image -> chain.image")
     .edge("chain.image -> output.image"))
x = np.array([[0, 1, 2], [3, -5, 0.5]], dtype=np.float32)
y = g.run_arrays({"x": x})["y"][0]  # one work item
summary = g.validate()
slots = mirflow.describe("test.chain")["slots"]
print(json.dumps({"y": np.asarray(y).tolist(), "toml": g.to_toml(),
                  "steps": [n["params"].get("step") for n in summary["nodes"] if n["id"] == "chain"][0],
                  "slots": slots}))
"""


def run_with_test_plugins(code):
    env = dict(os.environ, MIRFLOW_PLUGIN_PATH=str(TEST_PLUGINS))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    import json
    return json.loads(out.stdout.splitlines()[-1])


def test_slot_entries_run_in_order_and_round_trip():
    r = run_with_test_plugins(CHAIN)
    # clamp(3x − 1, 0, 4), computed here independently of the plugin.
    expected = [[min(max(3 * v - 1, 0), 4) for v in row] for row in [[0, 1, 2], [3, -5, 0.5]]]
    assert r["y"] == expected
    assert '[[node.step]]\ntype = "affine"\na = 3.0\nb = -1.0\n[[node.step]]\ntype = "clamp"' in r["toml"]
    assert [s["type"] for s in r["steps"]] == ["affine", "clamp"]
    assert r["steps"][1]["hi"] == 4.0
    slot = r["slots"]["step"]
    assert slot["kind"] == "test.pixel_map"
    assert set(slot["components"]) == {"affine", "clamp"}
    assert slot["components"]["clamp"]["params"]["hi"]["default"] == 1.0


def test_unknown_slot_is_a_validation_error():
    g = mirflow.Graph("bad").node("s", "classic.gaussian", step=[{"type": "affine"}])
    try:
        g.validate()
    except mirflow.InputError as e:
        assert "'step' is not a component slot of classic.gaussian (slots: none)" in str(e)
    else:
        raise AssertionError("validate() accepted an unknown slot")
    assert mirflow.describe("classic.gaussian")["slots"] == {}
