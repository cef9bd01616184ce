#!/usr/bin/env python3
"""Compare denoising methods on one MRI slice, side by side, in one PNG.

Takes one axial slice (default: slice 90 of Debian's Colin27 ch2.nii.gz), adds Rician noise in
NumPy, and runs every method in ONE graph -- the noisy slice fans out to each method node, which run
in parallel -- then plots clean, noisy and each result with its PSNR (matplotlib, Agg backend) to
./out/compare_methods.png.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/compare_methods.py
    ... compare_methods.py --noise 0.09 --slice 100 --out out/compare.png

Methods are the node types below that this build has (a plugin left out of the build is skipped):
Gaussians, a small Python-defined median filter (to show @mirflow.node_type), the classical
baselines, ADMM with a TV prior and the Rician handling of graphs/mri_ir.toml, and the GAN with the
shipped model models/mri_gan_w8.pt.
"""
import argparse
import time
from pathlib import Path

import numpy as np

from _common import DEFAULT_INPUT, REPO, add_rician_noise, import_mirflow, psnr, read_nifti

mirflow = import_mirflow()

# label -> (node type, input port, parameters). Entries whose type is not registered are skipped.
METHODS = {
    "gaussian σ=0.6": ("classic.gaussian", "image", {"sigma": 0.6}),
    "gaussian σ=1.0": ("classic.gaussian", "image", {"sigma": 1.0}),
    "gaussian σ=1.5": ("classic.gaussian", "image", {"sigma": 1.5}),
    "median 3×3 (Python node)": ("example.median3", "image", {}),
    "BM3D": ("classic.bm3d", "image", {}),
    "NLM": ("classic.nlm", "image", {}),
    "TV (ADMM, Rician)": ("ir.admm", "measurement",
                          {"noise": "rician", "scale": "sigma", "prior": [{"type": "tv", "beta": 0.5}]}),
    "GAN": ("gan.denoise", "image", {"model": str(REPO / "models" / "mri_gan_w8.pt")}),
}


@mirflow.node_type("example.median3")
class Median3:
    """3x3 median filter written in NumPy: a node type defined in Python."""

    def __init__(self, params):
        pass

    def process(self, inputs):
        img = inputs["image"]
        padded = np.pad(img, 1, mode="edge")
        windows = [padded[dy:dy + img.shape[0], dx:dx + img.shape[1]] for dy in range(3) for dx in range(3)]
        return np.median(np.stack(windows), axis=0).astype(np.float32)


def takes_one_image(node_type, port):
    """Whether a node type denoises an image alone: one required input `port` and an `image` output."""
    d = mirflow.describe(node_type)
    required = {name for name, p in d["inputs"].items() if p["required"]}
    return required == {port} and "image" in d["outputs"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input", nargs="?", default=str(DEFAULT_INPUT), help="NIfTI volume (default: %(default)s)")
    p.add_argument("--slice", type=int, default=90, help="axial slice index")
    p.add_argument("--noise", type=float, default=0.05, help="Rician sigma as a fraction of the maximum")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", default="out/compare_methods.png")
    args = p.parse_args(argv)

    volume, nii = read_nifti(args.input)
    clean = volume[args.slice].copy()
    noisy = add_rician_noise(clean, args.noise, args.seed)

    types = set(mirflow.node_types())
    methods = {label: m for label, m in METHODS.items() if m[0] in types and takes_one_image(m[0], m[1])}
    graph = mirflow.Graph("compare_methods").node("input", "py.input", name="noisy")
    for i, (label, (node_type, port, params)) in enumerate(methods.items()):
        graph.node(f"m{i}", node_type, **params).connect("input.image", f"m{i}.{port}")

    t0 = time.perf_counter()
    spacing = tuple(float(z) for z in nii.header.get_zooms()[:2])
    out = graph.run_arrays({"noisy": mirflow.Image.from_numpy(noisy, spacing=spacing)},
                           outputs=[f"m{i}.image" for i in range(len(methods))])
    print(f"{len(methods)} methods in {time.perf_counter() - t0:.2f} s "
          f"(skipped: {', '.join(m[0] for label, m in METHODS.items() if label not in methods) or 'none'})")

    panels = [("clean", clean, None), ("noisy", noisy, psnr(clean, noisy))]
    for i, label in enumerate(methods):
        result = out[f"m{i}.image"][0]
        panels.append((label, result, psnr(clean, result)))
    for label, _, db in panels[1:]:
        print(f"  {label:28s} {db:6.2f} dB")
    save_figure(Path(args.out), panels, f"{Path(args.input).name}, slice {args.slice}, Rician {args.noise:.2f}")
    print(f"wrote {args.out}")


def save_figure(path, panels, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cols = min(4, len(panels))
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.9 * rows), squeeze=False)
    vmax = float(panels[0][1].max())
    for ax in axes.flat:
        ax.axis("off")
    for ax, (label, img, db) in zip(axes.flat, panels):
        ax.imshow(img, cmap="gray", vmin=0, vmax=vmax, origin="lower")
        ax.set_title(label if db is None else f"{label}\n{db:.2f} dB", fontsize=10)
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
