#!/usr/bin/python3
"""Low-dose CT without the inverse crime: ir.pwls against FBP and FBP + an oracle post-filter (issue 20).

    /usr/bin/python3 bench/ct/ct_bench.py [--build build] [--work out/bench_ct20] COMMAND [options]

Every sinogram here comes from physics.project with oversample = 4 (mirflow_physics/scanner_model.hpp:
4×4 sub-pixels, 4 sub-rays per bin, each bin −ln of its mean intensity), never from the projector
that reconstructs, then noise.ct_poisson at I0 photons per bin. Parallel beam over 180°.

COMMANDS
tune      β sweep of ir.pwls at several doses on TRAINING-stream phantoms (physics.random_phantom
          seed 1000, 256² at 1 mm, 360 views; and 512² at 0.5 mm, 720 views with --fine): the best β
          per dose shows whether the count weights carry the dose (β_opt constant) and the potentials
          (--potentials) are compared at their best β.
validate  held-out phantoms (seed 7000) and two real CT slices shipped by Debian's python3-pydicom
          (CT_small.dcm 128² 0.66 mm; 693_J2KI.dcm 512² 0.48 mm, 720 views), measured only: FBP (ramp,
          Hann), FBP + the Gaussian post-filter whose σ is best on the case itself (an oracle no user
          has), and ir.pwls with its defaults, at each dose and noise-free (the ceiling, I0 = 1e12).
speed     512² with 720 views: ir.pwls's wall time against one scikit-image iradon_sart iteration on
          the same sinogram in the same run, and Φ against wall time for several subset counts and
          without momentum, relative to a long reference run.

PSNR in HU over the whole image with R = the reference's max − min (as issue 20 states it); SSIM
with the same data range (scikit-image). Results: Markdown tables on stdout and <work>/<command>.json.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
PYDICOM = "/usr/lib/python3/dist-packages/pydicom/data/test_files"
OVERSAMPLE = 4


class Mirflow:
    def __init__(self, build, work):
        self.exe = os.path.join(os.path.abspath(build), "bin", "mirflow")
        if not os.path.exists(self.exe):
            sys.exit(f"ct_bench: {self.exe} not found (build first)")
        self.work = os.path.abspath(work)
        os.makedirs(self.work, exist_ok=True)

    def run(self, name, toml, sets=()):
        path = os.path.join(self.work, name + ".toml")
        with open(path, "w") as f:
            f.write(toml)
        cmd = [self.exe, "run", path, "--quiet"]
        for s in sets:
            cmd += ["--set", s]
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=self.work, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"ct_bench: {' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
        return time.perf_counter() - t

    def convert(self, src, dst):
        p = subprocess.run([self.exe, "convert", src, dst], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"ct_bench: convert {src} failed:\n{p.stderr}")


def node(id_, type_, **params):
    lines = ["[[node]]", f'id = "{id_}"', f'type = "{type_}"']
    for k, v in params.items():
        lines.append(f"{k} = " + (f'"{v}"' if isinstance(v, str) else ("true" if v is True else "false" if v is False else repr(v))))
    return "\n".join(lines) + "\n"


def graph(name, edges, nodes):
    e = ",\n".join(f'  "{x}"' for x in edges)
    return f'[graph]\nname = "{name}"\nedges = [\n{e},\n]\n\n' + "\n".join(nodes)


# ------------------------------------------------------------------------------------ cases
class Case:
    """A reference image in HU on disk (ref.nii, with its pixel size) and the scan geometry."""

    def __init__(self, name, nii, views, note):
        self.name, self.nii, self.views, self.note = name, nii, views, note


def phantom_case(mf, seed, index, nx, pixel, views):
    name = f"phantom_s{seed}_{index}_{nx}"
    nii = os.path.join(mf.work, "cases", name + ".nii")
    if not os.path.exists(nii):
        os.makedirs(os.path.dirname(nii), exist_ok=True)
        mf.run("make_" + name, graph("make_phantom", ["ph.image -> out.image"], [
            node("ph", "physics.random_phantom", nx=nx, pixel_size=float(pixel), seed=seed, first=index, count=1, units="hu"),
            node("out", "io.nifti_write", path=nii)]))
    return Case(name, nii, views, f"random head, seed {seed} #{index}, {nx}² at {pixel} mm")


def dicom_case(mf, file, views):
    import nibabel as nib
    import pydicom
    name = os.path.splitext(file)[0]
    nii = os.path.join(mf.work, "cases", name + ".nii")
    if not os.path.exists(nii):
        os.makedirs(os.path.dirname(nii), exist_ok=True)
        npy = os.path.join(mf.work, "cases", name + ".npy")
        mf.convert(os.path.join(PYDICOM, file), npy)  # io's DICOM decoder (GDCM), rescaled to HU
        hu = np.maximum(np.load(npy).astype(np.float32), -1000.0)  # padding outside the field of view is air
        px = float(pydicom.dcmread(os.path.join(PYDICOM, file), stop_before_pixels=True).PixelSpacing[0])
        nib.save(nib.Nifti1Image(hu.T.copy(), np.diag([px, px, 1.0, 1.0])), nii)
    return Case(name, nii, views, f"real CT slice {file}")


# ------------------------------------------------------------------------------ simulation
def simulate(mf, case, i0, seed=31):
    """Noisy sinogram of `case` at I0 (1e12: noise-free); returns the .npy path. Also writes the
    reference as mirflow reads it (<case>_ref.npy)."""
    d = os.path.join(mf.work, "sino")
    os.makedirs(d, exist_ok=True)
    sino = os.path.join(d, f"{case.name}_i{i0:.0e}.npy")
    ref = os.path.join(d, f"{case.name}_ref.npy")
    if not os.path.exists(sino):
        mf.run("sim", graph("simulate", ["ref.image -> proj.image", "proj.sinogram -> noise.sinogram",
                                         "noise.sinogram -> out.sinogram", "ref.image -> refout.image"], [
            node("ref", "io.nifti_read", path=case.nii),
            node("proj", "physics.project", beam="parallel", views=case.views, angle_range=180.0, units="hu",
                 oversample=OVERSAMPLE),
            node("noise", "noise.ct_poisson", i0=float(i0), seed=seed),
            node("out", "physics.sinogram_write", path=sino),
            node("refout", "io.npy_write", path=ref)]))
    return sino, ref


def reconstruct(mf, name, sinos, methods, reuse=False):
    """Runs every method (id → (type, params)) on every sinogram in one graph; returns
    {method: {sino: image}} and {method: {sino: report}} for ir.pwls. With `reuse`, the outputs of
    an earlier run of the same name, parameters and build are read back instead (wall time then
    None)."""
    d = os.path.join(mf.work, "recon", name)
    stamp = os.path.join(d, "methods.json")
    key = {"methods": {m: list(v) for m, v in methods.items()}, "mirflow": os.path.getmtime(mf.exe),
           "plugin": os.path.getmtime(os.path.join(os.path.dirname(mf.exe), "..", "plugins", "mirflow_ir.so"))}
    if reuse and os.path.exists(stamp) and json.load(open(stamp)) == key:
        return load_outputs(d, sinos, methods) + (None,)
    os.makedirs(d, exist_ok=True)
    edges, nodes = [], []
    pattern = os.path.join(d, "in", "*.npy")
    os.makedirs(os.path.dirname(pattern), exist_ok=True)
    for s in sinos:  # links so that one reader globs them all
        for ext in (".npy", ".json"):
            dst = os.path.join(d, "in", os.path.basename(s)[:-4] + ext)
            if not os.path.exists(dst):
                os.symlink(s[:-4] + ext, dst)
    nodes.append(node("in", "physics.sinogram_read", path=pattern))
    for m, (typ, params) in methods.items():
        edges += [f"in.sinogram -> {m}.sinogram", f"{m}.image -> {m}_out.image"]
        nodes.append(node(m, typ, units="hu", **params))
        nodes.append(node(m + "_out", "io.npy_write", path=os.path.join(d, m + "_{stem}.npy")))
        if typ == "ir.pwls":
            edges.append(f"{m}.report -> {m}_rep.json")
            nodes.append(node(m + "_rep", "metrics.write_json", path=os.path.join(d, m + "_report.json")))
    wall = mf.run("recon_" + name, graph("recon", edges, nodes))
    json.dump(key, open(stamp, "w"))
    return load_outputs(d, sinos, methods) + (wall,)


def load_outputs(d, sinos, methods):
    images, reports = {}, {}
    for m, (typ, _) in methods.items():
        images[m] = {s: np.load(os.path.join(d, f"{m}_{os.path.basename(s)[:-4]}.npy")) for s in sinos}
        if typ == "ir.pwls":
            recs = json.load(open(os.path.join(d, m + "_report.json")))["records"]
            reports[m] = {r["item"]: r for r in recs}
    return images, reports


# --------------------------------------------------------------------------------- metrics
def psnr(x, ref):
    r = float(ref.max() - ref.min())
    mse = float(np.mean((x.astype(np.float64) - ref) ** 2))
    return 10 * np.log10(r * r / mse)


def ssim(x, ref):
    from skimage.metrics import structural_similarity
    return float(structural_similarity(x.astype(np.float64), ref.astype(np.float64), data_range=float(ref.max() - ref.min())))


def oracle_gaussian(x, ref):
    """The Gaussian post-filter σ (pixels) best on this very case: (psnr, ssim, σ)."""
    from scipy.ndimage import gaussian_filter
    best = (psnr(x, ref), 0.0)
    for s in (0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0):
        p = psnr(gaussian_filter(x.astype(np.float64), s, mode="reflect"), ref)
        if p > best[0]:
            best = (p, s)
    y = gaussian_filter(x.astype(np.float64), best[1], mode="reflect") if best[1] > 0 else x
    return best[0], ssim(y, ref), best[1]


# ------------------------------------------------------------------------------- commands
def cmd_tune(mf, a):
    ks = range(a.first, a.first + a.phantoms)
    cases = [phantom_case(mf, 1000, k, 512, 0.5, 720) if a.fine else phantom_case(mf, 1000, k, 256, 1.0, 360) for k in ks]
    doses = [float(x) for x in a.doses.split(",")]
    betas = [float(x) for x in a.betas.split(",")]
    potentials = a.potentials.split(",")
    out = {"cases": [c.note for c in cases], "rows": []}
    print(f"beta_rule = {a.rule}; {len(cases)} phantoms: {', '.join(c.note for c in cases)}")
    print(f"| potential | δ HU | I0 | " + " | ".join(f"β {b:g}" for b in betas) + " | best β |")
    print("|---|---|---|" + "---|" * len(betas) + "---|")
    for pot in potentials:
        kind, _, delta = pot.partition(":")
        for i0 in doses:
            sims = [simulate(mf, c, i0) for c in cases]
            methods = {f"b{k}": ("ir.pwls", dict(beta=b, potential=kind, beta_rule=a.rule, **({"delta": float(delta)} if delta else {})))
                       for k, b in enumerate(betas)}
            images, _, _ = reconstruct(mf, f"tune_{a.rule}_{kind}{delta}_{i0:.0e}_{a.first}_{a.phantoms}{'_fine' if a.fine else ''}", [s for s, _ in sims], methods)
            means = []
            for k, _ in enumerate(betas):
                means.append(float(np.mean([psnr(images[f"b{k}"][s], np.load(r)) for s, r in sims])))
            best = betas[int(np.argmax(means))]
            out["rows"].append({"potential": kind, "delta": delta, "i0": i0, "betas": betas, "psnr": means, "best_beta": best})
            print(f"| {kind} | {delta or 'default'} | {i0:.0e} | " + " | ".join(f"{m:.2f}" for m in means) + f" | {best:g} |")
            sys.stdout.flush()
    out["rule"] = a.rule
    json.dump(out, open(os.path.join(mf.work, f"tune_{a.rule}.json"), "w"), indent=1)


def cmd_validate(mf, a):
    cases = [phantom_case(mf, 7000, k, 256, 1.0, 360) for k in range(a.phantoms)]
    cases.append(dicom_case(mf, "CT_small.dcm", 360))
    if not a.no_512:
        cases.append(dicom_case(mf, "693_J2KI.dcm", 720))
    doses = [float(x) for x in a.doses.split(",")] + [1e12]
    methods = {"fbp_ramp": ("ir.fbp", {"filter": "ramp"}), "fbp_hann": ("ir.fbp", {"filter": "hann"}),
               "pwls": ("ir.pwls", {})}
    out = {"rows": []}
    print("| case | I0 | FBP ramp | FBP Hann | FBP + oracle Gaussian (σ px) | ir.pwls | pwls − oracle | SSIM oracle / pwls | pwls s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for c in cases:
        for i0 in doses:
            s, r = simulate(mf, c, i0)
            ref = np.load(r).astype(np.float64)
            images, reports, wall = reconstruct(mf, f"val_{c.name}_{i0:.0e}", [s], methods)
            row = {"case": c.note, "i0": i0}
            for m in methods:
                row[m] = psnr(images[m][s], ref)
            o1 = oracle_gaussian(images["fbp_ramp"][s], ref)
            o2 = oracle_gaussian(images["fbp_hann"][s], ref)
            o = max(o1, o2)
            row["oracle"], row["oracle_ssim"], row["oracle_sigma"] = o
            row["oracle_filter"] = "ramp" if o is o1 else "hann"
            row["pwls_ssim"] = ssim(images["pwls"][s], ref)
            rep = next(iter(reports["pwls"].values()))
            row["pwls_seconds"] = rep["history"][-1]["seconds"]
            out["rows"].append(row)
            dose = "noise-free" if i0 >= 1e12 else f"{i0:.0e}"
            print(f"| {c.note} | {dose} | {row['fbp_ramp']:.2f} | {row['fbp_hann']:.2f} | {o[0]:.2f} ({row['oracle_filter']}, {o[2]:g}) | "
                  f"{row['pwls']:.2f} | {row['pwls'] - o[0]:+.2f} | {o[1]:.3f} / {row['pwls_ssim']:.3f} | {row['pwls_seconds']:.1f} |")
            sys.stdout.flush()
    json.dump(out, open(os.path.join(mf.work, "validate.json"), "w"), indent=1)


def cmd_speed(mf, a):
    from skimage.transform import iradon_sart
    c = phantom_case(mf, 1000, 0, 512, 0.5, 720)  # a training-stream phantom: timing, not quality
    s, r = simulate(mf, c, 2e4)
    ref = np.load(r).astype(np.float64)
    sino = np.load(s).astype(np.float64)
    geom = json.load(open(s[:-4] + ".json"))
    theta = np.asarray(geom["angles_deg"], dtype=np.float64)
    out = {"case": c.note, "runs": []}
    # The peer first: one SART iteration on the same data (skimage's radon convention: columns = views;
    # its image orientation differs from mirflow's, which changes nothing for the timing).
    t = time.perf_counter()
    iradon_sart(sino.T, theta=theta)
    t_sart = time.perf_counter() - t
    out["iradon_sart_seconds"] = t_sart
    runs = {"default": {}}
    if not a.quick:
        # Fixed subset counts show the ordered subsets' limit cycle; the
        # reference (4 subsets, 200 iterations) gives Φ*.
        fixed = lambda m, it, **kw: dict(subsets=m, iterations=it, objective=True, **kw)
        runs.update({"reference": fixed(4, 200),
                     "fixed_4": fixed(4, 40),
                     "fixed_12": fixed(12, 40),
                     "fixed_24": fixed(24, 40),
                     "fixed_24_no_momentum": fixed(24, 40, momentum=False),
                     "fixed_48": fixed(48, 40)})
    for name, params in runs.items():
        images, reports, wall = reconstruct(mf, f"speed_{name}", [s], {"pwls": ("ir.pwls", params)}, reuse=name != "default")
        rep = next(iter(reports["pwls"].values()))
        out["runs"].append({"name": name, "params": params, "wall": wall, "psnr": psnr(images["pwls"][s], ref),
                            "seconds": [h["seconds"] for h in rep["history"]],
                            "objective": [h["objective"] for h in rep["history"]], "subsets": rep["subsets"]})
    print(f"iradon_sart, one iteration: {t_sart:.2f} s")
    print("| run | subsets (last level) | iterations | solver s | process wall s | wall / one SART iteration | PSNR |")
    print("|---|---|---|---|---|---|---|")
    for run in out["runs"]:
        wall = f"{run['wall']:.2f} | {run['wall'] / t_sart:.2f}" if run["wall"] else "(earlier run) | "
        print(f"| {run['name']} | {run['subsets']} | {len(run['seconds'])} | {run['seconds'][-1]:.2f} | {wall} | {run['psnr']:.2f} |")
    ref_run = next((x for x in out["runs"] if x["name"] == "reference"), None)
    if ref_run:
        phi_star = min(ref_run["objective"])
        print("\nΦ(x_k) − Φ* relative to Φ(x_0)−Φ*, against solver seconds (Φ* = the 200-iteration reference's lowest):")
        for run in out["runs"]:
            if run["objective"][0] is None:
                continue
            rel = [(o - phi_star) / max(run["objective"][0] - phi_star, 1e-30) for o in run["objective"]]
            pts = ", ".join(f"{sec:.1f} s: {x:.1e}" for sec, x in list(zip(run["seconds"], rel))[4::5])
            print(f"- {run['name']}: {pts}")
    json.dump(out, open(os.path.join(mf.work, "speed.json"), "w"), indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work", default=os.path.join(ROOT, "out", "bench_ct20"))
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tune")
    t.add_argument("--phantoms", type=int, default=3)
    t.add_argument("--first", type=int, default=0, help="index of the first phantom of the training stream")
    t.add_argument("--rule", default="noise_std", help="ir.pwls beta_rule")
    t.add_argument("--doses", default="1e4,1e5,1e6")
    t.add_argument("--betas", default="1e-3,2e-3,5e-3,1e-2,2e-2,5e-2")
    t.add_argument("--potentials", default="qggmrf")
    t.add_argument("--fine", action="store_true", help="512² at 0.5 mm with 720 views instead of 256² at 1 mm")
    v = sub.add_parser("validate")
    v.add_argument("--phantoms", type=int, default=3)
    v.add_argument("--doses", default="1e4,2e4,2e5,1e6")
    v.add_argument("--no-512", action="store_true", help="leave out the 512² DICOM slice")
    s = sub.add_parser("speed")
    s.add_argument("--quick", action="store_true", help="the default run only")
    a = ap.parse_args()
    mf = Mirflow(a.build, a.work)
    {"tune": cmd_tune, "validate": cmd_validate, "speed": cmd_speed}[a.command](mf, a)


if __name__ == "__main__":
    main()
