"""DLPack: Image.__dlpack__ / __dlpack_device__ and mirflow.from_dlpack, zero copy on the CPU."""
import gc

import numpy as np
import pytest

import mirflow
from conftest import refcount

try:
    import torch
    import torch.utils.dlpack
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed (Debian: python3-torch)")


def ptr(a):
    return np.asarray(a).__array_interface__["data"][0]


def test_device():
    img = mirflow.Image.from_numpy(np.zeros((2, 2), np.float32))
    assert img.__dlpack_device__() == (1, 0)


def test_numpy_from_dlpack_shares_memory():
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    img = mirflow.Image.from_numpy(a)
    b = np.from_dlpack(img)
    assert b.shape == (3, 4) and b.dtype == np.float64
    assert np.shares_memory(a, b)


def test_from_dlpack_numpy_array_and_capsule():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    img = mirflow.from_dlpack(a)
    assert np.shares_memory(np.asarray(img), a) and img.dtype == np.int32
    img2 = mirflow.from_dlpack(a.__dlpack__())  # a bare capsule
    assert np.shares_memory(np.asarray(img2), a)


def test_unconsumed_capsule_releases_the_image():
    a = np.zeros((4, 4), np.float32)
    base = refcount(a)
    img = mirflow.Image.from_numpy(a)
    cap = img.__dlpack__()
    del img
    assert refcount(a) == base + 1  # the capsule holds the pixels
    del cap  # never consumed: its destructor calls the deleter
    assert refcount(a) == base


def test_consumed_capsule_cannot_be_used_twice():
    img = mirflow.Image.from_numpy(np.zeros((2, 2), np.float32))
    cap = img.__dlpack__()
    mirflow.from_dlpack(cap)
    with pytest.raises(TypeError, match="unconsumed"):
        mirflow.from_dlpack(cap)


def test_unsupported_dlpack_dtype():
    with pytest.raises(TypeError, match="unsupported dtype"):
        mirflow.from_dlpack(np.zeros((2, 2), np.int64))


@needs_torch
def test_torch_from_image_is_zero_copy_and_outlives_it():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    base = refcount(a)
    img = mirflow.Image.from_numpy(a)
    t = torch.utils.dlpack.from_dlpack(img)
    assert t.shape == (3, 4) and t.dtype == torch.float32
    assert t.data_ptr() == ptr(a)
    t[0, 1] = 42
    assert a[0, 1] == 42 and np.asarray(img)[0, 1] == 42
    del img
    gc.collect()
    assert float(t[2, 3]) == 11  # the tensor keeps the pixels
    del t
    assert refcount(a) == base  # and lets go when it dies


@needs_torch
def test_image_from_torch_is_zero_copy_and_outlives_it():
    t = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
    p = t.data_ptr()
    img = mirflow.from_dlpack(t)
    assert img.shape == (2, 3, 4) and ptr(img) == p
    np.asarray(img)[1, 2, 3] = -1
    assert float(t[1, 2, 3]) == -1
    del t
    gc.collect()
    junk = [torch.full((2, 3, 4), 7.0) for _ in range(50)]
    del junk
    assert np.asarray(img)[1, 2, 2] == 22


@needs_torch
def test_torch_round_trip_and_strided_tensor():
    t = torch.arange(12, dtype=torch.float64).reshape(3, 4)
    back = torch.utils.dlpack.from_dlpack(mirflow.from_dlpack(t))
    assert back.data_ptr() == t.data_ptr() and torch.equal(back, t)

    tt = t.t()  # strided, not contiguous
    img = mirflow.from_dlpack(tt)
    assert not img.contiguous
    np.testing.assert_array_equal(np.asarray(img), tt.numpy())
    assert ptr(img) == t.data_ptr()


@needs_torch
def test_torch_tensor_as_run_arrays_input(smooth_graph):
    t = torch.rand(16, 16)
    out = smooth_graph.run_arrays({"x": mirflow.from_dlpack(t)})["y"][0]
    assert out.shape == (16, 16) and out.dtype == np.float32
    assert out.std() < t.numpy().std()
