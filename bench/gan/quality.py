"""GAN denoiser vs the best classical denoiser available here (scikit-image non-local means, the
closest to BM3D on these machines) on Rician MRI at sigma 3, 5 and 9 % of the volume maximum, on
a subject the model never saw in training: 6 axial slices of the INIA19 macaque template
(the same slices the training validated on). Noise is made by noise.rician and the GAN runs as
gan.denoise, both through `mirflow run`; PSNR in image units, data range = the volume maximum.

  /usr/bin/python3 bench/gan/quality.py build models/mri_gan_w8.pt /tmp/ganq
"""
import os
import subprocess
import sys

import nibabel as nib
import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from skimage.restoration import denoise_nl_means, estimate_sigma

build, model, work = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
os.makedirs(work, exist_ok=True)
vol = np.asarray(nib.load("/usr/share/mricron/templates/inia19-t1-brain.nii.gz").get_fdata(), dtype=np.float32)
vol = np.transpose(vol, (2, 1, 0))  # (z, y, x) as mirflow's npy layout
vmax = float(vol.max())
content = [z for z in range(vol.shape[0]) if vol[z].max() >= 0.2 * vmax]
n = 6
zs = [content[(2 * i + 1) * len(content) // (2 * n)] for i in range(n)]
clean = np.ascontiguousarray(vol[zs])
np.save(os.path.join(work, "clean.npy"), clean)

GRAPH = """
[graph]
name = "gan_quality"
edges = ["input.image -> slices.volume", "slices.slice -> noise.image", "noise.image -> nstack.slice",
         "nstack.volume -> noisy.image", "noise.image -> denoise.image", "denoise.image -> gstack.slice",
         "gstack.volume -> output.image"]
[[node]]
id = "input"
type = "io.npy_read"
path = "{work}/clean.npy"
[[node]]
id = "slices"
type = "flow.slice"
[[node]]
id = "noise"
type = "noise.rician"
sigma = {sigma}
relative = true
reference_max = {vmax}
seed = 77
[[node]]
id = "nstack"
type = "flow.stack"
[[node]]
id = "noisy"
type = "io.npy_write"
path = "{work}/noisy_{tag}.npy"
[[node]]
id = "denoise"
type = "gan.denoise"
model = "{model}"
[[node]]
id = "gstack"
type = "flow.stack"
[[node]]
id = "output"
type = "io.npy_write"
path = "{work}/gan_{tag}.npy"
"""

print("| sigma | noisy PSNR / SSIM | NL-means PSNR / SSIM | GAN PSNR / SSIM | GAN − NL-means |")
print("|---|---|---|---|---|")
for sigma in (0.03, 0.05, 0.09):
    tag = f"{int(sigma * 100)}"
    g = os.path.join(work, f"q{tag}.toml")
    with open(g, "w") as f:
        f.write(GRAPH.format(work=work, sigma=sigma, vmax=vmax, tag=tag, model=model))
    subprocess.run([os.path.join(build, "bin", "mirflow"), "run", g, "--quiet"], check=True)
    noisy = np.load(os.path.join(work, f"noisy_{tag}.npy"))
    gan = np.load(os.path.join(work, f"gan_{tag}.npy"))
    scores = {"noisy": [], "nlm": [], "gan": []}
    for i in range(n):
        s_est = float(estimate_sigma(noisy[i]))
        nlm = denoise_nl_means(noisy[i], h=0.8 * s_est, sigma=s_est, patch_size=5, patch_distance=6, fast_mode=True)
        for k, img in (("noisy", noisy[i]), ("nlm", nlm), ("gan", gan[i])):
            scores[k].append((peak_signal_noise_ratio(clean[i], img, data_range=vmax),
                              structural_similarity(clean[i], img, data_range=vmax)))
    m = {k: np.mean(v, axis=0) for k, v in scores.items()}
    print(f"| {sigma:.2f} | {m['noisy'][0]:.2f} / {m['noisy'][1]:.3f} | {m['nlm'][0]:.2f} / {m['nlm'][1]:.3f} | "
          f"{m['gan'][0]:.2f} / {m['gan'][1]:.3f} | {m['gan'][0] - m['nlm'][0]:+.2f} dB |")
