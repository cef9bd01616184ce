"""The Python examples run (on a few slices, into a temporary folder)."""
import subprocess
import sys

import pytest

from conftest import CH2, SOURCE_DIR

EXAMPLES = SOURCE_DIR / "examples" / "python"

pytestmark = [
    pytest.mark.skipif(not CH2.exists(), reason=f"{CH2} missing (Debian package mricron-data)"),
    pytest.mark.skipif(subprocess.run([sys.executable, "-c", "import nibabel, matplotlib"]).returncode != 0,
                       reason="nibabel or matplotlib missing (python3-nibabel, python3-matplotlib)"),
]


def run_example(name, *args, cwd):
    r = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=cwd, capture_output=True, text=True,
                       timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_denoise_nifti(tmp_path):
    out = run_example("denoise_nifti.py", "--slices", "8", "--threads", "2", cwd=tmp_path)
    noisy = float(out.split("PSNR noisy")[1].split("dB")[0])
    denoised = float(out.split("PSNR denoised")[1].split("dB")[0])
    assert denoised > noisy
    for f in ("noisy.nii.gz", "denoised.nii.gz", "middle_slice.png"):
        assert (tmp_path / "out" / "denoise_nifti" / f).stat().st_size > 0

    import nibabel as nib
    vol = nib.load(str(tmp_path / "out" / "denoise_nifti" / "denoised.nii.gz"))
    assert vol.shape == (181, 217, 8)


def test_compare_methods(tmp_path):
    out = run_example("compare_methods.py", "--out", "cmp.png", cwd=tmp_path)
    assert "gaussian σ=1.0" in out and "median 3×3" in out
    assert (tmp_path / "cmp.png").stat().st_size > 10_000
