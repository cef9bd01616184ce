"""MRI denoising validation on real volumes nobody tuned on: the shipped mirflow MRI graphs against
an external peer, dipy's Rician non-local means, in the same run.

Run from anywhere with Debian's python (numpy, nibabel, scikit-image, dipy; nipy optional):
  /usr/bin/python3 bench/mri_validation/validate.py                 # every dataset, σ = 3, 5, 9 %
  /usr/bin/python3 bench/mri_validation/validate.py --quick         # smoke run: two datasets, 5 %
  /usr/bin/python3 bench/mri_validation/validate.py --datasets nibabel_anatomical --sigmas 0.05 \
      --graphs mri_ir --set denoise.iterations=50
  # an older version of the project, built in a git worktree elsewhere, with the same script:
  /usr/bin/python3 bench/mri_validation/validate.py --mirflow /tmp/old/build/bin/mirflow \
      --graphs-dir /tmp/old/graphs --out out/mri_validation_old

Data (docs/data.md: validation only, never train or tune on these): small, low-resolution MRI
volumes shipped inside Debian's python3-dipy, python3-nibabel and python3-nipy, located through the
modules' directories; a missing file is skipped with a printed reason, and a volume whose voxels are
identical to one already selected is skipped as a duplicate.

Per dataset and noise level p: clean = the volume as float32 (4-D: its first volume), σ = p·max(clean);
noisy = |clean + σ·n1 + iσ·n2| (Rician, seeded by (seed, dataset index, level)), written as NIfTI with
the clean volume's affine. Each graph runs as `mirflow run GRAPH --set input.path=NOISY --set
output.path=OUT --stats [--set ...]`; its output is brought into the input's voxel order from the two
affines (nibabel.orientations) before any comparison, and a flip check (the output must correlate with
the clean volume better than any axis-flipped copy of it) is stored for every cell. The peer is
dipy.denoise.nlmeans.nlmeans(noisy, σ, rician=True) on the whole volume with its defaults
(patch_radius 1, block_radius 5), with σ from dipy's estimate_sigma(noisy, N=0) (dipy_nlm_est, the
fair comparison: the graphs estimate σ themselves) and with the true σ (dipy_nlm_true).

Metrics: per slice along the third array axis (the axis flow.slice splits), on whole slices, for every
slice whose clean max is at least 10 % of the clean volume max: PSNR = 10·log10(max²/MSE) and SSIM
(skimage.metrics.structural_similarity with its default 7×7 uniform window, smaller where a slice is
smaller than 7 pixels), both with max = the clean slice's max; the mean over slices is reported. A
whole-volume PSNR (max = the clean volume max) is stored too.

Outputs under --out (default out/mri_validation/): <dataset>/<level>/{noisy,<method>}.nii.gz,
results.json (everything, per-slice values included) and results.md (tables ready to paste into docs,
with the command line and the date). The same tables are printed.
"""
import argparse
import datetime
import hashlib
import importlib.util
import json
import os
import platform
import shlex
import subprocess
import sys
import time
import warnings

import numpy as np

warnings.simplefilter("ignore", SyntaxWarning)  # dipy / nipy sources trigger these on Python 3.11
import nibabel as nib  # noqa: E402
from nibabel import orientations as ornt  # noqa: E402
from skimage.metrics import structural_similarity  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# name, python module, file inside the module's directory, description, note.
# The order is fixed: a dataset's index (part of the noise seed) never depends on the selection.
DATASETS = [
    ("dipy_S0_10slices", "dipy", "data/files/S0_10slices.nii.gz", "diffusion b0, T2-weighted EPI", ""),
    ("dipy_small_101D", "dipy", "data/files/small_101D.nii.gz", "DWI, first volume (b0)", ""),
    ("dipy_small_64D", "dipy", "data/files/small_64D.nii", "DWI, first volume (b0)", ""),
    ("dipy_test_piesno", "dipy", "data/files/test_piesno.nii.gz", "magnitude with real noise",
     "the 'clean' reference already carries real scanner noise: numbers measure distance to a noisy "
     "reference, and it is left out of the Δ averages"),
    ("nibabel_anatomical", "nibabel", "tests/data/anatomical.nii", "T1", ""),
    ("nibabel_example4d", "nibabel", "tests/data/example4d.nii.gz", "EPI time series, first volume", ""),
    ("nipy_anatomical", "nipy", "testing/anatomical.nii.gz", "T1", ""),
]
DEFAULT_GRAPHS = ["mri_classic.toml", "mri_ir.toml", "mri_gan.toml", "mri_hybrid.toml"]
PEERS = ["dipy_nlm_est", "dipy_nlm_true"]
LOW_RES = "small, low-resolution volumes"
SLICE_FRACTION = 0.10
SLOW_S = 600.0


def module_dir(name):
    """The directory of an installed python module, without importing it (None when absent)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    return os.path.dirname(spec.origin)


def load_clean(path):
    """The volume as a float32 3-D array and its affine: 4-D and higher → the first volume;
    singleton spatial axes are moved to the end (their affine columns with them); a 2-D image
    gets a unit third axis. Scaling (scl_slope/inter) is applied. NaN/inf → 0 (as niftilib does)."""
    img = nib.load(path)
    notes = []
    shape = img.shape
    if len(shape) > 3:
        idx = (slice(None),) * 3 + (0,) * (len(shape) - 3)
        data = np.asarray(img.dataobj[idx], dtype=np.float32)
        notes.append(f"{len(shape)}-D {tuple(shape)}: first volume")
    else:
        data = np.asarray(img.dataobj, dtype=np.float32)
    affine = img.affine.copy()
    while data.ndim < 3:
        data = data[..., None]
    if data.ndim != 3:
        raise ValueError(f"unexpected shape {data.shape}")
    singles = [a for a in range(3) if data.shape[a] == 1]
    if singles and singles != list(range(3 - len(singles), 3)):
        order = [a for a in range(3) if data.shape[a] != 1] + singles
        data = np.transpose(data, order)
        affine[:3, :3] = affine[:3, :3][:, order]
        notes.append(f"singleton axes moved last (axis order {order})")
    bad = ~np.isfinite(data)
    if bad.any():
        notes.append(f"{int(bad.sum())} non-finite voxels set to 0")
        data = np.where(bad, 0, data).astype(np.float32)
    return np.ascontiguousarray(data), affine, img.header, notes


def rician(clean, sigma, seed, ds_index, level):
    rng = np.random.default_rng([seed, ds_index, int(round(level * 10000))])
    c = clean.astype(np.float64)
    n1 = rng.standard_normal(c.shape)
    n2 = rng.standard_normal(c.shape)
    return np.sqrt((c + sigma * n1) ** 2 + (sigma * n2) ** 2).astype(np.float32)


def save_nifti(data, affine, path):
    img = nib.Nifti1Image(np.asarray(data, dtype=np.float32), affine)
    img.set_sform(affine, code=1)
    img.set_qform(affine, code=1)  # nibabel keeps the nearest orthogonal frame when there is shear
    img.header.set_xyzt_units("mm")
    nib.save(img, path)


def to_input_frame(out_img, in_affine, in_shape):
    """The output's voxels in the input's array order (nibabel.orientations from the two affines),
    and a record of what was done. Raises ValueError when the geometry cannot be matched."""
    data = np.asarray(out_img.dataobj, dtype=np.float32)
    while data.ndim < 3:  # mirflow writes a one-slice volume as a 2-D image
        data = data[..., None]
    if data.ndim > 3 and int(np.prod(data.shape[3:])) == 1:
        data = data.reshape(data.shape[:3])
    aff = out_img.affine
    rec = {"out_shape": list(out_img.shape), "out_axcodes": "".join(nib.aff2axcodes(aff)),
           "in_axcodes": "".join(nib.aff2axcodes(in_affine)), "reoriented": False}
    scale = max(1.0, float(np.abs(in_affine[:3, 3]).max()))
    same = np.allclose(aff[:3, :3], in_affine[:3, :3], atol=1e-3, rtol=1e-4) and \
        np.allclose(aff[:3, 3], in_affine[:3, 3], atol=1e-4 * scale + 1e-3)
    rec["affine_max_abs_diff"] = float(np.abs(aff - in_affine).max())
    if not same:
        t = ornt.ornt_transform(ornt.io_orientation(aff), ornt.io_orientation(in_affine))
        if not np.array_equal(t, ornt.io_orientation(np.eye(4))):
            data = ornt.apply_orientation(data, t)
            aff = aff @ ornt.inv_ornt_aff(t, out_img.shape[:3])
            rec["reoriented"] = True
            rec["transform"] = t.tolist()
        rec["affine_max_abs_diff_after"] = float(np.abs(aff - in_affine).max())
        if not np.allclose(aff, in_affine, atol=1e-2 * scale + 1e-2, rtol=1e-3):
            raise ValueError(f"output geometry does not match the input's (affine differs by "
                             f"{rec['affine_max_abs_diff_after']:.3g} after reorientation)")
    if tuple(data.shape) != tuple(in_shape):
        raise ValueError(f"output shape {tuple(data.shape)} (after reorientation) != input {tuple(in_shape)}")
    return np.ascontiguousarray(data), rec


def corr(a, b):
    a = a.astype(np.float64).ravel() - a.mean()
    b = b.astype(np.float64).ravel() - b.mean()
    d = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / d) if d > 0 else float("nan")


def flip_check(x, clean):
    """Correlation with the clean volume, as is and flipped along each axis with more than one voxel.
    `ok` is false when some flipped copy correlates at least as well (the arrays do not line up)."""
    c0 = corr(x, clean)
    flips = {f"axis{a}": corr(np.flip(x, a), clean) for a in range(3) if x.shape[a] > 1}
    ok = all(c0 > v for v in flips.values()) if flips else True
    return {"corr": c0, "corr_flipped": flips, "ok": bool(ok)}


def ssim_window(shape2d):
    w = min(7, *shape2d)
    return w if w % 2 == 1 else w - 1


def metrics(x, clean, slices):
    """Per-slice PSNR/SSIM (max = the clean slice's max) over the selected slices, their means, and
    the whole-volume PSNR (max = the clean volume max)."""
    x64, c64 = x.astype(np.float64), clean.astype(np.float64)
    per = []
    win = ssim_window(clean.shape[:2])
    for z in slices:
        c, y = c64[:, :, z], x64[:, :, z]
        dr = float(c.max())
        mse = float(np.mean((y - c) ** 2))
        psnr = 10 * np.log10(dr * dr / mse) if mse > 0 else float("inf")
        ssim = float(structural_similarity(c, y, data_range=dr, win_size=win)) if win >= 3 else float("nan")
        per.append({"slice": int(z), "psnr": float(psnr), "ssim": ssim, "data_range": dr})
    vmax = float(c64.max())
    mse_v = float(np.mean((x64 - c64) ** 2))
    return {
        "psnr": float(np.mean([p["psnr"] for p in per])),
        "ssim": float(np.mean([p["ssim"] for p in per])),
        "volume_psnr": float(10 * np.log10(vmax * vmax / mse_v)) if mse_v > 0 else float("inf"),
        "ssim_win_size": win,
        "nan_voxels": int(np.isnan(x).sum()),
        "per_slice": per,
    }


def run_graph(mirflow, graph, noisy_path, out_path, sets, timeout):
    cmd = [mirflow, "run", graph, "--set", f"input.path={noisy_path}", "--set", f"output.path={out_path}",
           "--stats"]
    for s in sets:
        cmd += ["--set", s]
    if os.path.exists(out_path):
        os.remove(out_path)  # never read a stale output of an earlier run
    t0 = time.time()
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return cmd, time.time() - t0, None, f"timed out after {timeout:.0f} s"
    wall = time.time() - t0
    log = (res.stdout + res.stderr).strip()
    if res.returncode != 0:
        lines = [ln for ln in log.splitlines() if ln.strip() and not ln.startswith("progress:")]
        errs = [ln for ln in lines if "error" in ln.lower()]
        key = (errs or lines or ["(no output)"])[-1]
        return cmd, wall, log, f"exit code {res.returncode}: {key}\n{log[-2000:]}"
    if not os.path.exists(out_path):
        return cmd, wall, log, "exit code 0 but no output file was written"
    return cmd, wall, log, None


def tool_version(mirflow):
    try:
        r = subprocess.run([mirflow, "--version"], capture_output=True, text=True, timeout=30)
        return (r.stdout + r.stderr).strip()
    except Exception as e:  # noqa: BLE001
        return f"unavailable ({e})"


def git_rev(path):
    try:
        r = subprocess.run(["git", "-C", path, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                           timeout=30)
        d = subprocess.run(["git", "-C", path, "status", "--porcelain", "--", "."], capture_output=True, text=True,
                           timeout=30)
        return r.stdout.strip() + ("+dirty" if d.stdout.strip() else "") if r.returncode == 0 else None
    except Exception:  # noqa: BLE001
        return None


def fmt_cell(c, seconds=True):
    if c is None:
        return "—"
    if c.get("error"):
        return "FAILED"
    s = f"{c['psnr']:.2f} / {c['ssim']:.4f}"
    if seconds and c.get("seconds") is not None:
        s += f" ({c['seconds']:.1f} s)"
    if c.get("flip_check") and not c["flip_check"]["ok"]:
        s += " [orientation?]"
    if c.get("identical_to_input"):
        s += " [= input]"
    return s


def level_name(p):
    return f"{p:g}"


def pct(p):
    return f"{p * 100:g} %"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("--sigmas", type=float, nargs="+", default=[0.03, 0.05, 0.09],
                    help="Rician σ as fractions of the clean volume max (default 0.03 0.05 0.09)")
    ap.add_argument("--datasets", nargs="+", metavar="NAME",
                    help="a subset, by name: " + ", ".join(d[0] for d in DATASETS))
    ap.add_argument("--graphs", nargs="+", metavar="GRAPH",
                    help="graph files, or names looked up in --graphs-dir (default: mri_classic if it "
                         "exists, mri_ir, mri_gan, mri_hybrid)")
    ap.add_argument("--graphs-dir", default=os.path.join(ROOT, "graphs"))
    ap.add_argument("--mirflow", default=os.path.join(ROOT, "build", "bin", "mirflow"))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="node.key=value added to every graph run (repeatable)")
    ap.add_argument("--out", default=os.path.join(ROOT, "out", "mri_validation"))
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per graph run (default 1800)")
    ap.add_argument("--no-peer", action="store_true", help="skip dipy (graphs only)")
    ap.add_argument("--quick", action="store_true", help="smoke run: the first two datasets, 5 %% only")
    a = ap.parse_args()
    t_start = time.time()

    mirflow = os.path.abspath(a.mirflow)
    graphs_dir = os.path.abspath(a.graphs_dir)
    out_root = os.path.abspath(a.out)
    if not os.access(mirflow, os.X_OK):
        sys.exit(f"validate: no mirflow binary at {mirflow} (build it, or give --mirflow)")
    if a.graphs:
        graphs = []
        for g in a.graphs:
            cand = [g, os.path.join(graphs_dir, g), os.path.join(graphs_dir, g + ".toml")]
            hit = next((os.path.abspath(c) for c in cand if os.path.isfile(c)), None)
            if hit is None:
                sys.exit(f"validate: graph {g} not found (tried {', '.join(cand)})")
            graphs.append(hit)
    else:
        graphs = [os.path.join(graphs_dir, g) for g in DEFAULT_GRAPHS if os.path.isfile(os.path.join(graphs_dir, g))]
        for g in DEFAULT_GRAPHS:
            if not os.path.isfile(os.path.join(graphs_dir, g)):
                print(f"note: {os.path.join(graphs_dir, g)} does not exist: not measured")
    labels = [os.path.splitext(os.path.basename(g))[0] for g in graphs]
    if len(set(labels)) != len(labels):
        sys.exit("validate: two graphs share a file name; give them distinct names")

    names = [d[0] for d in DATASETS]
    if a.datasets:
        unknown = [d for d in a.datasets if d not in names]
        if unknown:
            sys.exit(f"validate: unknown dataset(s) {unknown}; known: {names}")
        chosen = [d for d in DATASETS if d[0] in a.datasets]
    else:
        chosen = list(DATASETS)
    sigmas = a.sigmas
    if a.quick:
        chosen = chosen[:2]
        sigmas = [0.05]

    if not a.no_peer:
        from dipy.denoise.nlmeans import nlmeans
        from dipy.denoise.noise_estimate import estimate_sigma
        import dipy
        dipy_version = dipy.__version__
    else:
        dipy_version = None

    # --- datasets: locate, load, de-duplicate -------------------------------------------------------
    datasets, skipped, digests = [], [], {}
    for name, mod, rel, desc, note in chosen:
        d = module_dir(mod)
        if d is None:
            skipped.append({"dataset": name, "reason": f"python module {mod} is not installed"})
            continue
        path = os.path.join(d, rel)
        if not os.path.isfile(path):
            skipped.append({"dataset": name, "reason": f"{path} does not exist"})
            continue
        try:
            clean, affine, hdr, notes = load_clean(path)
        except Exception as e:  # noqa: BLE001
            skipped.append({"dataset": name, "reason": f"cannot read {path}: {e}"})
            continue
        digest = hashlib.sha1(clean.tobytes() + str(clean.shape).encode()).hexdigest()
        if digest in digests:
            skipped.append({"dataset": name, "reason": f"{path} holds the same voxels as {digests[digest]} "
                                                       f"(a duplicate, not another subject)"})
            continue
        digests[digest] = name
        zooms = [float(z) for z in nib.affines.voxel_sizes(affine)]
        datasets.append({
            "name": name, "index": names.index(name), "path": path, "description": desc, "note": note,
            "clean": clean, "affine": affine, "shape": list(clean.shape), "voxel_mm": zooms,
            "axcodes": "".join(nib.aff2axcodes(affine)), "stored_dtype": str(hdr.get_data_dtype()),
            "file_shape": list(hdr.get_data_shape()), "load_notes": notes,
            "min": float(clean.min()), "max": float(clean.max()),
            "negative_voxels": int((clean < 0).sum()),
        })
    for s in skipped:
        print(f"skip {s['dataset']}: {s['reason']}")
    if not datasets:
        sys.exit("validate: no dataset left to measure")

    version, graphs_git = tool_version(mirflow), git_rev(graphs_dir)  # at the start: the tree may change
    print(f"mirflow {mirflow} ({version}), graphs: {', '.join(graphs) or 'none'}"
          + (f" (git {graphs_git})" if graphs_git else ""))
    print(f"data: {LOW_RES} (validation only, docs/data.md)")
    for ds in datasets:
        extra = "; ".join(ds["load_notes"] + ([ds["note"]] if ds["note"] else []))
        print(f"  {ds['name']}: {ds['description']}, {ds['stored_dtype']} {tuple(ds['file_shape'])} → "
              f"{tuple(ds['shape'])}, voxel {' × '.join(f'{z:.3g}' for z in ds['voxel_mm'])} mm, {ds['axcodes']}, "
              f"range [{ds['min']:g}, {ds['max']:g}]" + (f" ({extra})" if extra else ""))

    methods = ["noisy"] + ([] if a.no_peer else PEERS) + labels
    results = {}
    slow = []
    for ds in datasets:
        clean, affine = ds["clean"], ds["affine"]
        vmax = float(clean.max())
        slices = [z for z in range(clean.shape[2]) if clean[:, :, z].max() >= SLICE_FRACTION * vmax]
        ds["slices_measured"] = slices
        results[ds["name"]] = {}
        for p in sigmas:
            lvl = level_name(p)
            d = os.path.join(out_root, ds["name"], lvl)
            os.makedirs(d, exist_ok=True)
            sigma = p * vmax
            noisy = rician(clean, sigma, a.seed, ds["index"], p)
            noisy_path = os.path.join(d, "noisy.nii.gz")
            save_nifti(noisy, affine, noisy_path)
            cells = {"sigma": sigma, "sigma_fraction": p, "noisy_path": noisy_path}
            c = metrics(noisy, clean, slices)
            c.update({"seconds": None, "flip_check": flip_check(noisy, clean)})
            cells["noisy"] = c
            print(f"{ds['name']} σ {pct(p)} (σ = {sigma:.4g}): noisy {fmt_cell(c, False)}", flush=True)

            if not a.no_peer:
                t0 = time.time()
                est = float(estimate_sigma(noisy, N=0)[0])
                t_est = time.time() - t0
                for label, s_use, extra_t in (("dipy_nlm_est", est, t_est), ("dipy_nlm_true", sigma, 0.0)):
                    t0 = time.time()
                    den = nlmeans(noisy, s_use, rician=True)
                    secs = time.time() - t0 + extra_t
                    save_nifti(den, affine, os.path.join(d, label + ".nii.gz"))
                    c = metrics(den, clean, slices)
                    c.update({"seconds": secs, "sigma_used": s_use, "sigma_used_over_true": s_use / sigma,
                              "flip_check": flip_check(den, clean)})
                    cells[label] = c
                    print(f"  {label}: {fmt_cell(c)}, σ used {s_use:.4g} ({s_use / sigma:.3f}× true)", flush=True)

            for g, label in zip(graphs, labels):
                out_path = os.path.join(d, label + ".nii.gz")
                cmd, wall, log, err = run_graph(mirflow, g, noisy_path, out_path, a.set, a.timeout)
                c = {"seconds": wall, "command": " ".join(shlex.quote(x) for x in cmd),
                     "stats": (log or "")[-4000:]}
                if err is None:
                    try:
                        out_img = nib.load(out_path)
                        c["output_dtype"] = str(out_img.get_data_dtype())
                        x, geo = to_input_frame(out_img, affine, clean.shape)
                        c["geometry"] = geo
                        c.update(metrics(x, clean, slices))
                        c["flip_check"] = flip_check(x, clean)
                        # a graph that silently did nothing (e.g. σ estimated as 0 on a tiny volume)
                        c["identical_to_input"] = bool(np.array_equal(x, noisy))
                        if c["nan_voxels"]:
                            err = f"{c['nan_voxels']} NaN voxels in the output"
                    except Exception as e:  # noqa: BLE001
                        err = f"cannot compare the output: {e}"
                if err is not None:
                    c["error"] = err
                if wall > SLOW_S:
                    slow.append(f"{label} on {ds['name']} at {pct(p)}: {wall:.0f} s")
                cells[label] = c
                msg = fmt_cell(c) if not err else f"FAILED ({wall:.1f} s): {err.splitlines()[0][:300]}"
                print(f"  {label}: {msg}", flush=True)
            results[ds["name"]][lvl] = cells

    # --- Δ of each graph against the peer, averaged per level over datasets with a clean reference --
    deltas = {}
    if not a.no_peer:
        for label in labels:
            deltas[label] = {}
            for p in sigmas:
                lvl = level_name(p)
                row = {}
                for peer in PEERS:
                    dp, dsm, used = [], [], []
                    for ds in datasets:
                        if ds["note"]:
                            continue  # noisy reference (test_piesno)
                        cells = results[ds["name"]][lvl]
                        g, q = cells.get(label), cells.get(peer)
                        if not g or g.get("error") or not q:
                            continue
                        dp.append(g["psnr"] - q["psnr"])
                        dsm.append(g["ssim"] - q["ssim"])
                        used.append(ds["name"])
                    row[peer] = {"psnr": float(np.mean(dp)) if dp else None,
                                 "ssim": float(np.mean(dsm)) if dsm else None, "datasets": used}
                deltas[label][lvl] = row

    elapsed = time.time() - t_start
    now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    cmdline = " ".join(shlex.quote(x) for x in [sys.executable] + sys.argv)

    # --- tables -------------------------------------------------------------------------------------
    def table_lines(ds):
        head = ["method"] + [f"σ {pct(p)}: PSNR dB / SSIM (wall s)" for p in sigmas]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for m in methods:
            row = [m] + [fmt_cell(results[ds["name"]][level_name(p)].get(m)) for p in sigmas]
            lines.append("| " + " | ".join(row) + " |")
        return lines

    def ds_title(ds):
        t = (f"{ds['name']} — {ds['description']}, {' × '.join(str(n) for n in ds['shape'])} voxels of "
             f"{' × '.join(f'{z:.3g}' for z in ds['voxel_mm'])} mm ({LOW_RES}); "
             f"{len(ds['slices_measured'])} of {ds['shape'][2]} slices measured")
        return t + (f"; NOTE: {ds['note']}" if ds["note"] else "")

    def delta_lines():
        head = ["graph"] + [f"σ {pct(p)}: Δ vs {peer}" for p in sigmas for peer in PEERS]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for label in labels:
            row = [label]
            for p in sigmas:
                for peer in PEERS:
                    r = deltas[label][level_name(p)][peer]
                    row.append("—" if r["psnr"] is None else
                               f"{r['psnr']:+.2f} dB / {r['ssim']:+.4f} (n={len(r['datasets'])})")
            lines.append("| " + " | ".join(row) + " |")
        return lines

    failures = [(dn, lvl, m, c["error"]) for dn, lv in results.items() for lvl, cells in lv.items()
                for m, c in cells.items() if isinstance(c, dict) and c.get("error")]
    same = [(dn, lvl, m) for dn, lv in results.items() for lvl, cells in lv.items()
            for m, c in cells.items() if isinstance(c, dict) and c.get("identical_to_input")]
    orient = [(dn, lvl, m) for dn, lv in results.items() for lvl, cells in lv.items()
              for m, c in cells.items() if isinstance(c, dict) and c.get("flip_check")
              and not c["flip_check"]["ok"]]

    out_text = []
    out_text.append(f"MRI denoising validation ({LOW_RES}; validation only, never tuned on)")
    out_text.append(f"cells: mean over slices of whole-slice PSNR (dB) / SSIM, max = the clean slice's max; "
                    f"slices with clean max ≥ {SLICE_FRACTION:.0%} of the volume max; wall seconds per run; "
                    f"[= input]: the output is the noisy input unchanged; [orientation?]: a flipped copy "
                    f"correlates better with the clean volume")
    for ds in datasets:
        out_text += ["", ds_title(ds)] + table_lines(ds)
    if deltas:
        out_text += ["", "Δ = graph − peer (PSNR dB / SSIM), mean over datasets with a clean reference "
                         "(test_piesno left out); n = datasets averaged"] + delta_lines()
    print()
    print("\n".join(out_text))
    if failures:
        print("\nfailures:")
        for dn, lvl, m, e in failures:
            print(f"  {m} on {dn} at σ {lvl}: {e.splitlines()[0][:300]}")
    if orient:
        print("\norientation check failed (a flipped copy correlates better) for: " +
              ", ".join(f"{m}/{dn}/{lvl}" for dn, lvl, m in orient))
    if same:
        print("\noutput identical to the noisy input ([= input]: the graph changed nothing) for: " +
              ", ".join(f"{m}/{dn}/{lvl}" for dn, lvl, m in same))
    if slow:
        print(f"\nruns over {SLOW_S:.0f} s: " + "; ".join(slow))
    for s in skipped:
        print(f"skipped {s['dataset']}: {s['reason']}")
    print(f"\ntotal {elapsed:.0f} s; results in {out_root}/results.json and results.md")

    # --- files --------------------------------------------------------------------------------------
    meta = {
        "date": now, "command": cmdline, "elapsed_s": elapsed, "mirflow": mirflow,
        "mirflow_version": version, "graphs_dir": graphs_dir, "graphs_git": graphs_git,
        "graphs": dict(zip(labels, graphs)), "sets": a.set, "sigmas": sigmas, "seed": a.seed,
        "dipy_version": dipy_version, "nibabel_version": nib.__version__, "numpy_version": np.__version__,
        "host": platform.node(), "cpus": os.cpu_count(),
        "metric": {"slices": f"third array axis, clean slice max >= {SLICE_FRACTION} x volume max",
                   "psnr": "10 log10(max^2 / MSE), max = clean slice max, whole slice",
                   "ssim": "skimage.metrics.structural_similarity defaults (7x7 uniform window, smaller "
                           "when a slice is smaller), data_range = clean slice max",
                   "volume_psnr": "whole volume, max = clean volume max"},
        "peer": {"dipy_nlm_est": "dipy.denoise.nlmeans.nlmeans(noisy, estimate_sigma(noisy, N=0)[0], "
                                 "rician=True), patch_radius=1, block_radius=5; seconds include the estimate",
                 "dipy_nlm_true": "the same with the true sigma"},
        "noise": "noisy = |clean + sigma n1 + i sigma n2|, sigma = fraction x clean max, "
                 "numpy default_rng([seed, dataset index, round(fraction * 1e4)])",
        "skipped": skipped, "slow_runs": slow,
    }
    ds_meta = [{k: v for k, v in ds.items() if k not in ("clean", "affine")} | {"affine": ds["affine"].tolist()}
               for ds in datasets]
    os.makedirs(out_root, exist_ok=True)
    with open(os.path.join(out_root, "results.json"), "w") as f:
        json.dump({"meta": meta, "datasets": ds_meta, "results": results, "deltas": deltas}, f, indent=1,
                  default=float)

    md = [f"### MRI denoising validation: mirflow graphs vs dipy Rician NL-means ({LOW_RES})", "",
          f"- Date: {now}; host {platform.node()} ({os.cpu_count()} CPUs); total {elapsed:.0f} s",
          f"- Command: `{cmdline}`",
          f"- mirflow: `{meta['mirflow_version']}`; graphs from `{graphs_dir}`"
          + (f" (git {meta['graphs_git']})" if meta["graphs_git"] else "")
          + (f"; extra `--set` {', '.join(f'`{s}`' for s in a.set)}" if a.set else ""),
          (f"- Peer: dipy {dipy_version} `nlmeans(noisy, σ, rician=True)` on the whole volume (patch_radius 1, "
          f"block_radius 5): `dipy_nlm_est` with σ from `estimate_sigma(noisy, N=0)` (its time included), "
          f"`dipy_nlm_true` with the true σ. The graphs estimate σ themselves, so `dipy_nlm_est` is the "
          f"like-for-like peer."
           if not a.no_peer else "- Peer: not run (--no-peer)"),
          f"- Data: {LOW_RES} from Debian packages (docs/data.md: validation only, never used to train or "
          f"tune). Rician noise σ = p × the clean volume max, seed {a.seed}.",
          f"- Cells: mean over slices (third array axis, clean slice max ≥ {SLICE_FRACTION:.0%} of the "
          f"volume max) of whole-slice PSNR dB / SSIM (scikit-image defaults), max = the clean slice's max; "
          f"wall seconds of the run in brackets. `[= input]`: the output is the noisy input unchanged; "
          f"`[orientation?]`: a flipped copy of the output correlates better with the clean volume.", ""]
    for ds in datasets:
        md += [f"**{ds_title(ds)}**", ""] + table_lines(ds) + [""]
    if deltas:
        md += ["**Δ = graph − peer, PSNR dB / SSIM, mean over the datasets with a clean reference "
               f"(test_piesno left out; {LOW_RES})**", ""] + delta_lines() + [""]
    if failures:
        md += ["Failures:", ""] + [f"- {m} on {dn} at σ {lvl}: `{e.splitlines()[0][:300]}`"
                                   for dn, lvl, m, e in failures] + [""]
    if orient:
        md += ["Orientation check failed for: " + ", ".join(f"{m}/{dn}/{lvl}" for dn, lvl, m in orient), ""]
    if same:
        md += ["Output identical to the noisy input (`[= input]`: the graph changed nothing): " +
               ", ".join(f"{m}/{dn}/{lvl}" for dn, lvl, m in same), ""]
    if slow:
        md += [f"Runs over {SLOW_S:.0f} s: " + "; ".join(slow), ""]
    if skipped:
        md += ["Skipped: " + "; ".join(f"{s['dataset']} ({s['reason']})" for s in skipped), ""]
    with open(os.path.join(out_root, "results.md"), "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
