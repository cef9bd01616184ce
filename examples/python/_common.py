"""Helpers shared by the Python examples: finding the built package, NIfTI in and out, noise, PSNR."""
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DEFAULT_INPUT = Path("/usr/share/mricron/templates/ch2.nii.gz")  # Debian's mricron-data: Colin27 T1


def import_mirflow():
    """`import mirflow`, looking in the repository's build trees when it is not on PYTHONPATH."""
    try:
        import mirflow
        return mirflow
    except ImportError:
        for build in sorted(REPO.glob("build*/python")):
            if (build / "mirflow" / "__init__.py").exists():
                sys.path.insert(0, str(build))
                import mirflow
                return mirflow
        raise SystemExit("cannot import mirflow: build it (scripts/build.sh) and set PYTHONPATH=<build>/python")


def read_nifti(path):
    """A NIfTI file as (volume in mirflow's (nz, ny, nx) order, float32; the nibabel image)."""
    import nibabel as nib
    nii = nib.load(str(path))
    # nibabel indexes [x, y, z]; mirflow's NumPy view is [z, y, x] (x fastest in memory).
    vol = np.ascontiguousarray(np.asarray(nii.dataobj, dtype=np.float32).transpose(2, 1, 0))
    return vol, nii


def write_nifti(path, vol, like):
    """Writes a (nz, ny, nx) volume with the header (affine, spacing) of the nibabel image `like`."""
    import nibabel as nib
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(np.asarray(vol, np.float32).transpose(2, 1, 0), like.affine), str(path))


def add_rician_noise(img, level, seed):
    """Rician magnitude noise: sigma = level x the image maximum, added to the complex signal."""
    rng = np.random.default_rng(seed)
    sigma = level * float(img.max())
    re = img + rng.normal(0.0, sigma, img.shape)
    im = rng.normal(0.0, sigma, img.shape)
    return np.sqrt(re * re + im * im).astype(np.float32)


def psnr(reference, image):
    """Peak signal-to-noise ratio in dB, the peak being the reference's maximum."""
    mse = float(np.mean((np.asarray(reference, np.float64) - np.asarray(image, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(float(reference.max()) ** 2 / mse)
