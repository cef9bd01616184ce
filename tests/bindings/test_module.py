"""The module loads from the build tree, finds its plugins by itself and describes node types."""
import os
import subprocess
import sys

import pytest

import mirflow


def test_plugins_found_without_MIRFLOW_PLUGIN_PATH():
    env = {k: v for k, v in os.environ.items() if k != "MIRFLOW_PLUGIN_PATH"}
    code = "import mirflow; print(' '.join(mirflow.node_types())); print(mirflow.plugin_info()['refused'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    types, refused = out.splitlines()
    # flow.* and classic.* are plugins (shared objects), found next to libmirflow.so: ../plugins.
    assert "flow.passthrough" in types.split()
    assert "classic.gaussian" in types.split()
    assert refused == "[]"


def test_node_types_include_the_bindings_own():
    types = mirflow.node_types()
    assert types == sorted(types)
    assert {"py.input", "py.output"} <= set(types)


def test_plugin_info_names_origins():
    info = mirflow.plugin_info()
    assert info["types"]["classic.gaussian"].endswith("mirflow_classic.so")
    assert info["types"]["py.input"] == "python bindings"
    assert any(p.endswith("plugins") for p in info["search_path"])


def test_describe_reads_the_schema():
    d = mirflow.describe("classic.gaussian")
    assert d["concurrency"] == "parallel"
    assert d["inputs"]["image"]["type"] == "image"
    sigma = d["params"]["sigma"]
    assert sigma["type"] == "float"
    assert sigma["default"] == 1.0
    assert sigma["range"] == (0.0, 100.0)
    assert sigma["unit"] == "pixels"
    assert sigma["doc"]
    assert not sigma["required"]

    d = mirflow.describe("py.input")
    assert d["inputs"] == {}
    assert d["params"]["name"]["required"] and d["params"]["name"]["default"] is None


def test_describe_unknown_type_suggests():
    with pytest.raises(mirflow.InputError, match="did you mean 'classic.gaussian'"):
        mirflow.describe("classic.gausian")


def test_errors_are_standard_exceptions():
    assert issubclass(mirflow.InputError, ValueError)
    assert issubclass(mirflow.RunError, RuntimeError)
    assert mirflow.InputError.__module__ == "mirflow"


def test_version():
    assert mirflow.__version__ == mirflow.version()
    assert mirflow.__version__.count(".") == 2


def test_public_api_is_documented():
    for name in mirflow.__all__:
        obj = getattr(mirflow, name)
        assert obj.__doc__, name
