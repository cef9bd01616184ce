"""Shared fixtures of the bindings tests. Run with the build tree's package on PYTHONPATH:

    PYTHONPATH=build-py/python /usr/bin/python3 -m pytest -q tests/bindings
"""
import gc
import os
import sys
from pathlib import Path

import numpy as np
import pytest

try:
    import mirflow  # noqa: F401
except ImportError as e:  # pragma: no cover - a setup problem, not a test failure
    pytest.exit(f"cannot import mirflow ({e}); set PYTHONPATH=<build>/python", returncode=2)

SOURCE_DIR = Path(os.environ.get("MIRFLOW_SOURCE_DIR", Path(__file__).resolve().parents[2]))
CH2 = Path("/usr/share/mricron/templates/ch2.nii.gz")


def refcount(obj):
    """sys.getrefcount after dropping references that engine threads released."""
    gc.collect()
    mirflow._mirflow._drain()
    return sys.getrefcount(obj)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def smooth_graph():
    """py.input 'x' -> classic.gaussian (id smooth) -> py.output 'y'."""
    return (mirflow.Graph("smooth")
            .node("input", "py.input", name="x")
            .node("smooth", "classic.gaussian", sigma=1.0)
            .node("output", "py.output", name="y")
            .connect("input.image", "smooth.image")
            .connect("smooth.image", "output.image"))


def has_types(*names):
    known = set(mirflow.node_types())
    return all(n in known for n in names)
