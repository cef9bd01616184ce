"""Colour images in Python: a colour DICOM arrives as (frames, rows, columns, 3), exactly as
pydicom decodes it, and colour.to_gray gives one value per pixel."""
import os

import numpy as np
import pytest

import mirflow

FILES = "/usr/lib/python3/dist-packages/pydicom/data/test_files"
RGB = os.path.join(FILES, "SC_rgb_rle_2frame.dcm")

GRAPH = """\
[graph]
name = "colour"
edges = ["input.image -> gray.image"]

[[node]]
id = "input"
type = "io.dicom_read"
path = "{path}"

[[node]]
id = "gray"
type = "colour.to_gray"
"""


@pytest.mark.skipif(not os.path.exists(RGB), reason="pydicom's test files (python3-pydicom) are missing")
def test_colour_dicom_reaches_python_as_pydicom_decodes_it():
    pydicom = pytest.importorskip("pydicom", reason="Debian's python3-pydicom is the reference")
    ref = pydicom.dcmread(RGB).pixel_array  # (2, 100, 100, 3) uint8
    g = mirflow.Graph.from_toml(GRAPH.format(path=RGB))
    out = g.run_arrays(outputs=["input.image", "gray.image"])
    colour = out["input.image"][0]
    assert colour.shape == ref.shape and colour.dtype == np.uint8
    np.testing.assert_array_equal(colour, ref)
    gray = out["gray.image"][0]
    assert gray.shape == ref.shape[:3] and gray.dtype == np.float32
    luma = ref.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(gray, luma, atol=1e-4)
    # The image object says what it holds, and copies keep the components.
    img = g.run_arrays(outputs="input.image", as_images=True)["input.image"][0]
    assert img.shape == ref.shape and img.ndim == 3
    np.testing.assert_array_equal(np.asarray(img.copy()), ref)
