"""mirflow.Image and NumPy: shared memory, layout, lifetime, conversions, geometry."""
import gc
import sys

import numpy as np
import pytest

import mirflow
from conftest import refcount


def data_ptr(a):
    return np.asarray(a).__array_interface__["data"][0]


# ---- zero copy ------------------------------------------------------------------------------------
def test_from_numpy_shares_memory_both_ways():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    img = mirflow.Image.from_numpy(a)
    v = np.asarray(img)
    assert np.shares_memory(v, a)
    assert data_ptr(v) == data_ptr(a)
    v[1, 2, 3] = -7  # through the image's view ...
    assert a[1, 2, 3] == -7
    a[0, 0, 0] = 99  # ... and through the original array
    assert np.asarray(img)[0, 0, 0] == 99


def test_layout_is_numpy_order_of_the_x_fastest_engine_layout():
    a = np.arange(2 * 3 * 4, dtype=np.int16).reshape(2, 3, 4)  # (nz, ny, nx)
    img = mirflow.Image.from_numpy(a)
    assert img.shape == (2, 3, 4) and img.ndim == 3
    v = np.asarray(img)
    assert v.shape == (2, 3, 4)
    assert v.strides == a.strides == (24, 8, 2)  # x (last axis) is the fastest
    assert img.dtype == np.int16 and img.nbytes == a.nbytes
    assert img.contiguous
    np.testing.assert_array_equal(v, a)

    img2 = mirflow.Image.from_numpy(np.zeros((5, 7), np.uint8))
    assert img2.shape == (5, 7) and img2.ndim == 2


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint16, np.int32, np.float32, np.float64])
def test_supported_dtypes_are_shared(dtype):
    a = np.ones((3, 4), dtype)
    img = mirflow.Image.from_numpy(a)
    assert img.dtype == np.dtype(dtype)
    assert np.shares_memory(np.asarray(img), a)


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.float16, np.bool_, np.uint32])
def test_other_dtypes_become_float32_copies(dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    img = mirflow.Image.from_numpy(a)
    assert img.dtype == np.float32
    assert not np.shares_memory(np.asarray(img), a)
    np.testing.assert_array_equal(np.asarray(img), a.astype(np.float32))


def test_non_contiguous_and_read_only_arrays_are_copied():
    a = np.arange(30, dtype=np.float32).reshape(5, 6)
    strided = a[:, ::2]
    img = mirflow.Image.from_numpy(strided)
    assert not np.shares_memory(np.asarray(img), a)
    np.testing.assert_array_equal(np.asarray(img), strided)

    ro = np.arange(6, dtype=np.float32).reshape(2, 3)
    ro.flags.writeable = False
    img = mirflow.Image.from_numpy(ro)
    assert not np.shares_memory(np.asarray(img), ro)  # the engine's images are writeable
    np.testing.assert_array_equal(np.asarray(img), ro)

    fortran = np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4))
    np.testing.assert_array_equal(np.asarray(mirflow.Image.from_numpy(fortran)), fortran)


def test_bad_arrays_are_rejected():
    with pytest.raises(ValueError, match="2-D"):
        mirflow.Image.from_numpy(np.zeros((2, 2, 2, 2), np.float32))
    with pytest.raises(ValueError, match="empty"):
        mirflow.Image.from_numpy(np.zeros((0, 3), np.float32))
    with pytest.raises(TypeError, match="NumPy array"):
        mirflow.Image.from_numpy(object())
    with pytest.raises(TypeError, match="NumPy array"):
        mirflow.Image.from_numpy("not an image")


# ---- lifetime -------------------------------------------------------------------------------------
def test_array_outlives_image():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    base = refcount(a)
    img = mirflow.Image.from_numpy(a)
    assert refcount(a) == base + 1  # the image's storage holds the array
    del img
    assert refcount(a) == base  # and lets go of it with the image
    np.testing.assert_array_equal(a, np.arange(12).reshape(3, 4))


def test_image_outlives_array():
    img = mirflow.Image.from_numpy(np.arange(12, dtype=np.float32).reshape(3, 4) * 2)
    gc.collect()
    for _ in range(3):  # churn the allocator: freed memory would be reused and overwritten
        junk = [np.full((3, 4), -1.0, np.float32) for _ in range(100)]
        del junk
    np.testing.assert_array_equal(np.asarray(img), np.arange(12).reshape(3, 4) * 2)


def test_view_outlives_image():
    img = mirflow.Image.from_numpy(np.arange(6, dtype=np.float64).reshape(2, 3))
    v = np.asarray(img)
    del img
    gc.collect()
    junk = [np.full((2, 3), -1.0) for _ in range(100)]
    del junk
    np.testing.assert_array_equal(v, np.arange(6).reshape(2, 3))


def test_image_views_share_the_source_array():
    a = np.zeros((4, 4), np.float32)
    base = refcount(a)
    img = mirflow.Image.from_numpy(a)
    views = [np.asarray(img) for _ in range(3)]
    del img
    assert refcount(a) == base + 1  # the views keep the image, which keeps the array
    views[0][1, 1] = 5
    assert a[1, 1] == 5
    del views
    assert refcount(a) == base


def test_numpy_method_and_copy():
    a = np.arange(6, dtype=np.uint16).reshape(2, 3)
    img = mirflow.Image.from_numpy(a, spacing=(0.5, 2.0))
    assert np.shares_memory(img.numpy(), a)
    c = img.copy()
    assert not np.shares_memory(np.asarray(c), a)
    assert c.spacing == img.spacing
    f = img.astype(np.float64)
    assert f.dtype == np.float64
    np.testing.assert_array_equal(np.asarray(f), a)


# ---- geometry and metadata -------------------------------------------------------------------------
def test_geometry_and_metadata():
    a = np.zeros((3, 4, 5), np.float32)
    rot = [[0, -1, 0], [1, 0, 0], [0, 0, 1]]
    img = mirflow.Image.from_numpy(a, spacing=(0.5, 0.6, 2.5), origin=(-10, 20, 30), direction=rot,
                                   metadata={"modality": "MR"})
    assert img.spacing == (0.5, 0.6, 2.5)  # (x, y, z), as in SimpleITK
    assert img.origin == (-10.0, 20.0, 30.0)
    np.testing.assert_array_equal(img.direction, rot)
    assert img.metadata == {"modality": "MR"}
    assert img.device == "cpu"

    img.spacing = (1, 1)  # a prefix: z unchanged
    assert img.spacing == (1.0, 1.0, 2.5)
    img.metadata = {"a": "b"}
    md = img.metadata
    md["c"] = "d"  # a copy
    assert img.metadata == {"a": "b"}
    with pytest.raises(ValueError, match="3x3"):
        img.direction = [1, 2, 3]
    assert "float32 (3, 4, 5)" in repr(img)


def test_image_input_is_shared_not_copied():
    a = np.ones((2, 2), np.float32)
    img = mirflow.Image.from_numpy(a)
    again = mirflow.Image.from_numpy(img, spacing=(3, 3))
    assert np.shares_memory(np.asarray(again), a)
    assert again.spacing[:2] == (3.0, 3.0) and img.spacing[:2] == (1.0, 1.0)


# ---- buffer protocol details ------------------------------------------------------------------------
def test_memoryview_sees_format_and_strides():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    m = memoryview(mirflow.Image.from_numpy(a))
    assert m.format == "i" and m.shape == (2, 3) and m.strides == (12, 4) and not m.readonly
    assert m.tolist() == a.tolist()


def test_strided_engine_image_refuses_contiguous_requests():
    # A DLPack import keeps a transposed tensor's strides: the image is a strided view.
    t = np.arange(12, dtype=np.float32).reshape(3, 4)
    img = mirflow.from_dlpack(t.T)
    assert not img.contiguous
    np.testing.assert_array_equal(np.asarray(img), t.T)
    assert np.shares_memory(np.asarray(img), t)
    assert get_buffer(img, PyBUF_STRIDES) == 0  # a consumer that takes strides gets them
    with pytest.raises(BufferError, match="not C-contiguous"):
        get_buffer(img, PyBUF_C_CONTIGUOUS)
    with pytest.raises(BufferError, match="strided view"):
        get_buffer(img, PyBUF_ND)  # shape without strides implies C order
    assert get_buffer(img.copy(), PyBUF_C_CONTIGUOUS) == 0
    np.testing.assert_array_equal(np.asarray(img.copy()), t.T)


PyBUF_ND, PyBUF_STRIDES, PyBUF_C_CONTIGUOUS = 0x8, 0x18, 0x38


def get_buffer(obj, flags):
    """PyObject_GetBuffer with exactly these flags (then released); raises what the exporter set."""
    import ctypes
    view = (ctypes.c_char * 256)()  # larger than a Py_buffer
    rc = ctypes.pythonapi.PyObject_GetBuffer(ctypes.py_object(obj), view, flags)
    ctypes.pythonapi.PyBuffer_Release(view)
    return rc
