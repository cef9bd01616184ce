#!/usr/bin/env python3
"""Denoise a NIfTI volume through a mirflow graph, from Python.

Reads a T1 volume (default: Debian's Colin27 ch2.nii.gz), adds Rician noise in NumPy, runs it
through a graph slice by slice -- input -> flow.slice -> denoiser -> flow.stack -> output -- on the
in-memory arrays, and writes the noisy and denoised volumes (NIfTI) and a PNG of the middle slice
under ./out/denoise_nifti/.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/denoise_nifti.py
    ... denoise_nifti.py my_t1.nii.gz --noise 0.07 --method classic.gaussian --set denoise.sigma=1.2
    ... denoise_nifti.py --graph graphs/quickstart.toml   # any graph with `input` and `output` nodes

The denoiser is classic.gaussian for now; as more methods land (classic.bm3d, gan.denoise,
ir.admm...), pass their type with --method and their parameters with --set denoise.key=value.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

from _common import DEFAULT_INPUT, add_rician_noise, import_mirflow, psnr, read_nifti, write_nifti

mirflow = import_mirflow()


def slice_graph(method):
    """input (arrays) -> slices -> `method` on each slice -> stack -> output (arrays)."""
    return (mirflow.Graph("denoise_nifti", f"Denoise each axial slice with {method}")
            .node("input", "py.input", name="input")
            .node("slices", "flow.slice")
            .node("denoise", method)
            .node("stack", "flow.stack")
            .node("output", "py.output", name="output")
            .edge("input.image -> slices.volume")
            .edge("slices.slice -> denoise.image")
            .edge("denoise.image -> stack.slice")
            .edge("stack.volume -> output.image"))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input", nargs="?", default=str(DEFAULT_INPUT), help="NIfTI volume (default: %(default)s)")
    p.add_argument("--noise", type=float, default=0.05, help="Rician sigma as a fraction of the maximum")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--method", default="classic.gaussian", help="denoising node type for each slice")
    p.add_argument("--graph", help="a TOML graph to run instead (its `input` and `output` are replaced)")
    p.add_argument("--set", action="append", default=[], metavar="NODE.KEY=VALUE", help="parameter override")
    p.add_argument("--slices", type=int, default=0, help="only the middle N axial slices (0: all)")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out", default="out/denoise_nifti", help="output folder (default: %(default)s)")
    args = p.parse_args(argv)

    clean, nii = read_nifti(args.input)
    if args.slices:
        mid = clean.shape[0] // 2
        lo = max(0, mid - args.slices // 2)
        clean = clean[lo:lo + args.slices].copy()
    noisy = add_rician_noise(clean, args.noise, args.seed)
    spacing = tuple(float(z) for z in nii.header.get_zooms()[:3])
    volume = mirflow.Image.from_numpy(noisy, spacing=spacing, metadata={"modality": "MR"})  # no copy

    if args.graph:
        graph = mirflow.Graph.load(args.graph)
    else:
        if args.method not in mirflow.node_types():
            sys.exit(f"unknown method {args.method}; denoisers available: "
                     + ", ".join(t for t in mirflow.node_types() if t.split(".")[0] in ("classic", "gan", "ir")))
        graph = slice_graph(args.method)
        if args.method == "classic.gaussian" and not any(s.startswith("denoise.sigma") for s in args.set):
            args.set.append("denoise.sigma=0.8")

    t0 = time.perf_counter()
    out = mirflow.run_arrays(graph, {"input": volume}, outputs=["output"], as_images=True,
                             threads=args.threads, set=args.set)
    seconds = time.perf_counter() - t0
    denoised = out["output"][0]
    print(out.report.table(), end="")

    d = np.asarray(denoised)  # shares the engine's memory
    print(f"{args.input}: {clean.shape[0]} slices of {clean.shape[2]}x{clean.shape[1]}, "
          f"Rician noise {args.noise:.2f}, {seconds:.2f} s")
    print(f"PSNR noisy    {psnr(clean, noisy):6.2f} dB")
    print(f"PSNR denoised {psnr(clean, d):6.2f} dB  (spacing kept: {denoised.spacing})")

    out_dir = Path(args.out)
    write_nifti(out_dir / "noisy.nii.gz", noisy, nii)
    write_nifti(out_dir / "denoised.nii.gz", d, nii)
    save_png(out_dir / "middle_slice.png", clean, noisy, d)
    print(f"wrote {out_dir}/noisy.nii.gz, denoised.nii.gz, middle_slice.png")


def save_png(path, clean, noisy, denoised):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    z = clean.shape[0] // 2
    vmax = float(clean[z].max())
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.6))
    for ax, (title, img) in zip(axes, [("clean", clean), (f"noisy ({psnr(clean, noisy):.1f} dB)", noisy),
                                       (f"denoised ({psnr(clean, denoised):.1f} dB)", denoised)]):
        ax.imshow(img[z], cmap="gray", vmin=0, vmax=vmax, origin="lower")
        ax.set_title(title)
        ax.axis("off")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
