"""Reference values for the C++ image-quality metrics, from scikit-image and numpy.

Usage: quality_reference.py OUT_DIR
Writes float64 raw images (x fastest) and reference.json into OUT_DIR:
  ref.raw, noisy.raw, blurred.raw: slice z=90 of Colin27 (ch2.nii.gz, 181x217), the same with seeded
  Gaussian noise (sigma 12) and with a Gaussian blur (sigma 1.2); small.raw / small_noisy.raw: a
  100x100 crop (MS-SSIM with 4 scales); vol_ref.raw / vol_noisy.raw: a 48x40x24 block (3-D SSIM).
PSNR and SSIM come from skimage.metrics. skimage has no MS-SSIM: it is assembled here from the
contrast-structure means of each scale (Gaussian filtering with scipy.ndimage, as skimage does)
and skimage's own SSIM at the last scale.
"""
import json
import sys

import nibabel
import numpy as np
import scipy.ndimage as ndi
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

WEIGHTS = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])
R = 255.0


def ssim(a, b):
    return structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=R)


def mean_cs(a, b):
    g = lambda im: ndi.gaussian_filter(im, 1.5, truncate=3.5, mode="reflect")
    ma, mb = g(a), g(b)
    va, vb, cab = g(a * a) - ma * ma, g(b * b) - mb * mb, g(a * b) - ma * mb
    c2 = (0.03 * R) ** 2
    cs = (2 * cab + c2) / (va + vb + c2)
    return cs[5:-5, 5:-5].mean()


def halve(im):
    h, w = im.shape[0] // 2, im.shape[1] // 2
    return im[: 2 * h, : 2 * w].reshape(h, 2, w, 2).mean(axis=(1, 3))


def ms_ssim(a, b):
    levels = 0
    n = min(a.shape)
    while levels < 5 and n >= 11:
        levels, n = levels + 1, n // 2
    w = WEIGHTS[:levels] / WEIGHTS[:levels].sum()
    terms = []
    for j in range(levels):
        if j == levels - 1:
            terms.append(max(ssim(a, b), 0.0))
        else:
            terms.append(max(mean_cs(a, b), 0.0))
            a, b = halve(a), halve(b)
    return float(np.prod(np.array(terms) ** w)), levels


def main(out):
    vol = np.asarray(nibabel.load("/usr/share/mricron/templates/ch2.nii.gz").dataobj)  # (x, y, z)
    ref = vol[:, :, 90].astype(np.float64).T  # rows = y, columns = x
    rng = np.random.default_rng(20261125)
    noisy = ref + rng.normal(0, 12, ref.shape)
    blurred = ndi.gaussian_filter(ref, 1.2)
    small = ref[60:160, 40:140].copy()
    small_noisy = noisy[60:160, 40:140].copy()
    vol_ref = vol[60:108, 80:120, 70:94].astype(np.float64).transpose(2, 1, 0).copy()  # (z, y, x)
    vol_noisy = vol_ref + rng.normal(0, 12, vol_ref.shape)
    images = dict(ref=ref, noisy=noisy, blurred=blurred, small=small, small_noisy=small_noisy, vol_ref=vol_ref, vol_noisy=vol_noisy)
    for name, im in images.items():
        np.ascontiguousarray(im, dtype=np.float64).tofile(f"{out}/{name}.raw")
    result = {"shape": list(ref.shape)}
    for name in ("noisy", "blurred"):
        im = images[name]
        result[name] = {
            "psnr": peak_signal_noise_ratio(ref, im, data_range=R),
            "ssim": ssim(im, ref),
            "ms_ssim": ms_ssim(im, ref)[0],
        }
    value, levels = ms_ssim(small_noisy, small)
    result["small"] = {"ms_ssim": value, "scales": levels}
    result["volume"] = {"ssim": ssim(vol_noisy, vol_ref)}
    json.dump(result, open(f"{out}/reference.json", "w"))


if __name__ == "__main__":
    main(sys.argv[1])
