#!/usr/bin/python3
"""Quality and speed of ir.admm against FBP, scikit-image and BART, through the mirflow CLI.

    /usr/bin/python3 bench/ir/ir_bench.py [--build build] [--work out/bench_ir] {ct,mri,speed,all}

ct     Low-dose CT: modified Shepp-Logan (physics.phantom, µ in 1/mm) -> physics.project (parallel,
       scanner model with oversample = 4, not the reconstruction's projector)
       -> noise.ct_poisson at I0 = 1e4 and 2e4. FBP (every filter, cutoff swept) vs ir.admm with
       CT statistical weights, warm-started from the ramp FBP, and a TV or Huber prior (beta
       swept; --ct-iterations ADMM iterations of --ct-cg CG steps). Each method's parameters are
       chosen on a tuning noise realisation (seed 1) and scored on another one (seed 2).
       PSNR over the whole image, peak = the phantom's maximum.
mri    Rician denoising of Colin27 T1 slices (/usr/share/mricron/templates/ch2.nii.gz), sigma =
       5 % of the volume maximum, noise drawn here with NumPy (fixed seed). ir.admm (A = identity,
       noise = "rician", TV or TGV) vs scikit-image denoise_tv_chambolle vs BART pics -R T. Every
       method gets the same sweep: a 9-point geometric grid (factor 1.5) over its one parameter,
       moved until the best value is inside the grid, best mean PSNR on the tuning slices; the
       chosen value is then scored on disjoint evaluation slices. PSNR peak = the volume maximum.
speed  ADMM iterations/s, 512x512 CT with 720 views (TV β 2e-4, --ct-cg CG steps per iteration), with
       the node's setup counted in and in the steady state (N iterations against 1), vs one
       iteration of scikit-image iradon_sart; seconds for a 256x256 TV denoising run of ir.admm
       (own stopping rule, report through metrics.write_json) vs BART pics -R T (default
       iterations), each in one run. With `all`, the denoisers use the parameters `mri` chose.

Everything runs through `<build>/bin/mirflow` (MIRFLOW_PLUGIN_PATH is not needed). Results are
printed as Markdown tables and saved to <work>/results.json.
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
CH2 = "/usr/share/mricron/templates/ch2.nii.gz"


# ------------------------------------------------------------------------------------ helpers
def npy_write(path, a):
    np.save(path, np.ascontiguousarray(a, dtype=np.float32))


def psnr(x, ref, peak):
    mse = float(np.mean((np.asarray(x, np.float64) - np.asarray(ref, np.float64)) ** 2))
    return 10 * np.log10(peak * peak / mse)


class Mirflow:
    def __init__(self, build, work):
        self.exe = os.path.join(build, "bin", "mirflow")
        if not os.path.exists(self.exe):
            sys.exit(f"ir_bench: {self.exe} not found (build the mirflow target first)")
        self.work = work
        os.makedirs(work, exist_ok=True)

    def run(self, name, toml, sets=(), stats=False):
        """Writes <work>/<name>.toml and runs it; returns (wall seconds, stdout)."""
        path = os.path.join(self.work, name + ".toml")
        with open(path, "w") as f:
            f.write(toml)
        cmd = [self.exe, "run", path, "--quiet"] + (["--stats"] if stats else [])
        for s in sets:
            cmd += ["--set", s]
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=self.work, capture_output=True, text=True)
        wall = time.perf_counter() - t
        if p.returncode != 0:
            sys.exit(f"ir_bench: {' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
        return wall, p.stdout

    @staticmethod
    def node_seconds(stats_out, node_id):
        """Wall seconds of one node from the --stats table."""
        for line in stats_out.splitlines():
            f = line.split()
            if f and f[0] == node_id:
                return float(f[3])
        raise RuntimeError(f"node {node_id} not in --stats output:\n{stats_out}")


def geometric_sweep(score, centre, points=9, factor=1.5, max_moves=4):
    """Maximises score(value) over a geometric grid around `centre`, moving the grid (same size)
    while the best value sits on its edge. Returns (best value, best score, every tried value)."""
    tried = {}
    lo = centre / factor ** (points // 2)
    for _ in range(max_moves + 1):
        grid = [lo * factor ** k for k in range(points)]
        for v in grid:
            key = round(v, 12)
            if key not in tried:
                tried[key] = score(v)
        best = max(grid, key=lambda v: tried[round(v, 12)])
        k = grid.index(best)
        if k == 0:
            lo /= factor ** (points - 1)
        elif k == points - 1:
            lo *= factor ** (points - 1)
        else:
            break
    best = max(tried, key=tried.get)
    return best, tried[best], tried


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start"


# ----------------------------------------------------------------------------------------- CT
CT_SIM = """[graph]
name = "bench_ct_simulate"
edges = ["phantom.image -> project.image", "project.sinogram -> noise.sinogram",
         "noise.sinogram -> sino.sinogram", "phantom.image -> truth.image"]
[[node]]
id = "phantom"
type = "physics.phantom"
nx = {nx}
pixel_size = {pixel}
scale = 0.096
[[node]]
id = "project"
type = "physics.project"
beam = "parallel"
views = {views}
oversample = 4
[[node]]
id = "noise"
type = "noise.ct_poisson"
i0 = {i0}
seed = {seed}
[[node]]
id = "sino"
type = "physics.sinogram_write"
path = "{stem}.npy"
[[node]]
id = "truth"
type = "io.npy_write"
path = "{stem}_truth.npy"
"""

CT_FBP = """[graph]
name = "bench_ct_fbp"
edges = ["input.sinogram -> recon.sinogram", "recon.image -> output.image"]
[[node]]
id = "input"
type = "physics.sinogram_read"
path = "{stem}.npy"
[[node]]
id = "recon"
type = "ir.fbp"
[[node]]
id = "output"
type = "io.npy_write"
path = "{out}"
"""

# ADMM warm-started from the ramp FBP (the prior input with γ = 0 only sets the start).
CT_ADMM = """[graph]
name = "bench_ct_admm"
edges = ["input.sinogram -> recon.measurement", "input.sinogram -> fbp.sinogram", "fbp.image -> recon.prior",
         "recon.image -> output.image"]
[[node]]
id = "input"
type = "physics.sinogram_read"
path = "{stem}.npy"
[[node]]
id = "fbp"
type = "ir.fbp"
[[node]]
id = "recon"
type = "ir.admm"
weights = "ct_statistical"
iterations = {iterations}
cg_iterations = {cg}
[[node.prior]]
type = "{prior}"
[[node]]
id = "output"
type = "io.npy_write"
path = "{out}"
"""


def bench_ct(mf, args):
    results = []
    for i0 in (1e4, 2e4):
        stems = {}
        for seed in (1, 2):  # 1: tuning, 2: evaluation
            stem = f"ct_i0_{int(i0)}_seed{seed}"
            mf.run("ct_sim", CT_SIM.format(nx=args.ct_nx, pixel=256.0 / args.ct_nx, views=args.ct_views, i0=i0,
                                           seed=seed, stem=stem))
            stems[seed] = stem
        truth = np.load(os.path.join(mf.work, stems[1] + "_truth.npy"))
        peak = float(truth.max())

        def recon(stem, sets, prior=None):
            """FBP (prior None) or ir.admm with `prior`; returns the PSNR."""
            out = stem + "_rec.npy"
            graph = CT_FBP if prior is None else CT_ADMM
            mf.run("ct_rec", graph.format(stem=stem, out=out, iterations=args.ct_iterations, cg=args.ct_cg, prior=prior),
                   sets=sets)
            value = psnr(np.load(os.path.join(mf.work, out)), truth, peak)
            print(f"  {stem} {prior or 'fbp'} {' '.join(sets)}: {value:.2f} dB", file=sys.stderr, flush=True)
            return value

        row = {"i0": i0}
        # FBP: best filter and cutoff on the tuning sinogram.
        best = None
        for flt in ("ramp", "shepp-logan", "cosine", "hann"):
            val, score, _ = geometric_sweep(
                lambda c: recon(stems[1], [f"recon.filter={flt}", f"recon.cutoff={min(c, 1.0)}"]),
                0.6, points=5, factor=1.25, max_moves=1)
            if best is None or score > best[2]:
                best = (flt, min(val, 1.0), score)
        row["fbp"] = {"filter": best[0], "cutoff": best[1], "tuning_psnr": best[2],
                      "psnr": recon(stems[2], [f"recon.filter={best[0]}", f"recon.cutoff={best[1]}"])}
        for prior in args.ct_priors:
            val, score, tried = geometric_sweep(lambda b: recon(stems[1], [f"recon.prior[0].beta={b}"], prior),
                                                args.ct_beta, points=args.ct_points, factor=args.ct_factor)
            row[prior] = {"beta": val, "tuning_psnr": score, "tried": tried,
                          "psnr": recon(stems[2], [f"recon.prior[0].beta={val}"], prior)}
        results.append(row)
        print(json.dumps(row), flush=True)
    print(f"\nCT {args.ct_nx}x{args.ct_nx}, {args.ct_views} views, ADMM {args.ct_iterations} iterations max "
          f"({args.ct_cg} CG steps each); "
          f"PSNR on the evaluation realisation (parameters from the tuning one)")
    print("| I0 | FBP (filter, cutoff) | " + " | ".join(f"ADMM {p} (β)" for p in args.ct_priors) + " | gain |")
    print("|---|---|" + "---|" * len(args.ct_priors) + "---|")
    for r in results:
        best_ir = max(r[p]["psnr"] for p in args.ct_priors)
        print(f"| {r['i0']:.0e} | {r['fbp']['psnr']:.2f} dB ({r['fbp']['filter']}, {r['fbp']['cutoff']:.2f}) | " +
              " | ".join(f"{r[p]['psnr']:.2f} dB ({r[p]['beta']:.3g})" for p in args.ct_priors) +
              f" | {best_ir - r['fbp']['psnr']:+.2f} dB |")
    return results


# ---------------------------------------------------------------------------------------- MRI
MRI_ADMM = """[graph]
name = "bench_mri_admm"
edges = ["input.image -> slices.volume", "slices.slice -> recon.measurement", "recon.image -> stack.slice",
         "stack.volume -> output.image"]
[[node]]
id = "input"
type = "io.npy_read"
path = "{inp}"
[[node]]
id = "slices"
type = "flow.slice"
[[node]]
id = "recon"
type = "ir.admm"
operator = "identity"
noise = "{noise}"
[[node.prior]]
type = "{prior}"
beta = {beta}
[[node]]
id = "stack"
type = "flow.stack"
[[node]]
id = "output"
type = "io.npy_write"
path = "{out}"
"""


def write_cfl(stem, a):
    """BART's .hdr/.cfl pair: complex64, column-major (first index fastest)."""
    a = np.asarray(a, np.complex64)
    dims = list(a.shape) + [1] * (16 - a.ndim)
    with open(stem + ".hdr", "w") as f:
        f.write("# Dimensions\n" + " ".join(str(d) for d in dims) + "\n")
    a.T.tofile(stem + ".cfl") if a.ndim else a.tofile(stem + ".cfl")


def read_cfl(stem):
    with open(stem + ".hdr") as f:
        f.readline()
        dims = [int(d) for d in f.readline().split()]
    while len(dims) > 1 and dims[-1] == 1:
        dims.pop()
    return np.fromfile(stem + ".cfl", np.complex64).reshape(dims[::-1]).T


def bart_tv(work, image, lam, iterations=None):
    """BART pics -R T:3:0:lam on a fully sampled Cartesian k-space of `image` (unitary FFT, one
    coil of sensitivity 1, -w 1: no automatic data scaling), i.e. TV denoising of `image`.
    `image` is (nx, ny) (x first, as BART's dims). Returns the magnitude and the wall seconds.
    Odd sizes are padded by one edge row/column and cropped back: BART's centred FFT (`fft -u`)
    and the one inside pics disagree on odd sizes (a λ → 0 run does not return its input)."""
    shape = image.shape
    image = np.pad(image, [(0, n % 2) for n in shape], mode="edge")
    img = os.path.join(work, "bart_img")
    write_cfl(img, image.astype(np.complex64))
    subprocess.run(["bart", "fft", "-u", "3", img, img + "_k"], check=True, capture_output=True)
    subprocess.run(["bart", "ones", "2", str(image.shape[0]), str(image.shape[1]), img + "_s"], check=True,
                   capture_output=True)
    cmd = ["bart", "pics", "-w", "1", "-R", f"T:3:0:{lam}"] + (["-i", str(iterations)] if iterations else []) + \
          [img + "_k", img + "_s", img + "_x"]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - t
    return np.abs(read_cfl(img + "_x"))[:shape[0], :shape[1]], wall


def mri_data(args):
    import nibabel as nib
    vol = np.asarray(nib.load(CH2).get_fdata(), np.float64)  # (x, y, z)
    peak = float(vol.max())
    sigma = 0.05 * peak
    rng = np.random.default_rng(2024)
    noisy = np.abs(vol + sigma * rng.standard_normal(vol.shape) + 1j * sigma * rng.standard_normal(vol.shape))
    return vol, noisy, peak, sigma


def bench_mri(mf, args):
    from skimage.restoration import denoise_tv_chambolle
    vol, noisy, peak, sigma = mri_data(args)
    tune, evaluate = args.mri_tune, args.mri_eval
    assert not set(tune) & set(evaluate)

    def mean_psnr(stack, zs):
        return float(np.mean([psnr(stack[k], vol[:, :, z], peak) for k, z in enumerate(zs)]))

    def ours(prior, zs, noise="rician"):
        # slices as a (nz, ny, nx) .npy: io.npy_read gives nz images of nx × ny
        inp = f"mri_{'_'.join(map(str, zs))}.npy"
        npy_write(os.path.join(mf.work, inp), np.stack([noisy[:, :, z].T for z in zs]))

        def run(beta):
            out = f"mri_{prior}_out.npy"
            mf.run("mri_admm", MRI_ADMM.format(inp=inp, prior=prior, beta=beta, out=out, noise=noise))
            res = np.load(os.path.join(mf.work, out))
            return [res[k].T for k in range(len(zs))]
        return run

    def skimage_run(zs):
        def run(w):  # on the image divided by its peak, so that w is scale-free
            return [denoise_tv_chambolle(noisy[:, :, z] / peak, weight=w) * peak for z in zs]
        return run

    def bart_run(zs):
        def run(lam):
            return [bart_tv(mf.work, noisy[:, :, z] / peak, lam)[0] * peak for z in zs]
        return run

    # noise = "rician" estimates σ and corrects the Rician bias (the node's MRI mode); "gaussian"
    # solves plain TV denoising of the magnitude, the same problem the two references solve.
    methods = {f"mirflow ir.admm {p}": (lambda zs, p=p: ours(p, zs), args.mri_beta) for p in args.mri_priors}
    methods["mirflow ir.admm tv, no Rician correction"] = (lambda zs: ours("tv", zs, "gaussian"), args.mri_beta)
    methods["scikit-image denoise_tv_chambolle"] = (skimage_run, 0.05)
    methods["BART pics -R T"] = (bart_run, 0.01)
    results = {"noisy": {"psnr": mean_psnr([noisy[:, :, z] for z in evaluate], evaluate)}}
    for name, (make, centre) in methods.items():
        tuner = make(tune)
        val, score, tried = geometric_sweep(lambda v: mean_psnr(tuner(v), tune), centre, points=args.points,
                                            factor=args.factor)
        results[name] = {"param": val, "tuning_psnr": score, "psnr": mean_psnr(make(evaluate)(val), evaluate),
                         "tried": tried}
        print(name, json.dumps(results[name]), flush=True)
    print(f"\nMRI: ch2 axial slices, Rician σ = 5 % of max ({sigma:.2f}); tuned on z = {tune}, "
          f"scored on z = {evaluate}; mean PSNR (peak {peak:g})")
    print("| method | parameter | tuning PSNR | evaluation PSNR |")
    print("|---|---|---|---|")
    print(f"| noisy input | — | — | {results['noisy']['psnr']:.2f} dB |")
    for name in methods:
        r = results[name]
        print(f"| {name} | {r['param']:.4g} | {r['tuning_psnr']:.2f} dB | {r['psnr']:.2f} dB |")
    return results


# -------------------------------------------------------------------------------------- speed
def bench_speed(mf, args):
    out = {}
    if "ct" in args.speed_parts:
        out.update(speed_ct(mf, args))
    if "mri" in args.speed_parts:
        out.update(speed_mri(mf, args))
    print("\n| task | mirflow | reference | ratio |")
    print("|---|---|---|---|")
    if "ct" in args.speed_parts:
        a, s = out["admm_ct"], out["sart_ct"]
        print(f"| CT 512², 720 views: iterations/s, setup included | {a['it_per_s']:.3f} (ADMM+TV, {a['iterations']} it, "
              f"{a['cg_steps']} CG steps, in {a['seconds']:.1f} s) "
              f"| {s['it_per_s']:.3f} (iradon_sart, {s['seconds_per_iteration']:.1f} s/it) | {a['it_per_s'] / s['it_per_s']:.1f}× |")
        print(f"| CT 512², 720 views: iterations/s, steady state | {a['steady_it_per_s']:.3f} "
              f"(({a['seconds']:.1f} − {a['seconds_1']:.1f} s) / {a['iterations'] - 1}) "
              f"| {s['it_per_s']:.3f} | {a['steady_it_per_s'] / s['it_per_s']:.1f}× |")
    if "mri" in args.speed_parts:
        m, b = out["admm_mri"], out["bart_mri"]
        print(f"| 256² TV denoising: seconds | {m['process_seconds']:.2f} s process ({m['node_seconds']:.2f} s node, "
              f"{m['iterations']} iterations, {m['stop']}), {m['psnr']:.2f} dB | {b['process_seconds']:.2f} s (bart pics), "
              f"{b['psnr']:.2f} dB | {b['process_seconds'] / m['process_seconds']:.2f}× |")
    return out


def speed_ct(mf, args):
    from skimage.transform import iradon_sart
    out = {}
    # CT 512x512, 720 views: ADMM iterations per second (tolerances 0: exactly N iterations).
    stem = "speed_ct"
    mf.run("speed_sim", CT_SIM.format(nx=512, pixel=0.5, views=720, i0=1e4, seed=3, stem=stem))
    # β 2e-4: a value in the useful range of the CT defaults (docs/benchmarks.md). The node's time
    # includes its setup (operator gain, data scale, preconditioner probe, residual map); the
    # steady state is the time of the extra iterations over a 1-iteration run.
    sets = ["recon.abs_tol=0", "recon.rel_tol=0", "recon.prior[0].beta=2e-4"]
    report = '[[node]]\nid = "report"\ntype = "metrics.write_json"\npath = "speed_report.json"\n'
    secs = {}
    for n in (1, args.speed_iterations):
        toml = CT_ADMM.format(stem=stem, out="speed_rec.npy", iterations=n, cg=args.ct_cg, prior="tv")
        toml = toml.replace('"recon.image -> output.image"]', '"recon.image -> output.image", "recon.report -> report.json"]')
        _, stats = mf.run("speed_admm", toml + report, sets=sets, stats=True)
        secs[n] = Mirflow.node_seconds(stats, "recon")
    with open(os.path.join(mf.work, "speed_report.json")) as f:
        cg_steps = json.load(f)["records"][0]["cg_iterations"]
    n = args.speed_iterations
    steady = (secs[n] - secs[1]) / (n - 1)
    out["admm_ct"] = {"iterations": n, "seconds": secs[n], "it_per_s": n / secs[n], "cg_steps": cg_steps,
                      "seconds_1": secs[1], "steady_seconds_per_iteration": steady, "steady_it_per_s": 1 / steady}
    sino = np.load(os.path.join(mf.work, stem + ".npy"))  # (views, bins)
    theta = np.arange(720) * 180.0 / 720
    t = time.perf_counter()
    iradon_sart(sino.T.astype(np.float64), theta=theta)
    sart = time.perf_counter() - t
    out["sart_ct"] = {"seconds_per_iteration": sart, "it_per_s": 1 / sart}
    print(json.dumps(out), flush=True)
    return out


def speed_mri(mf, args):
    out = {}
    # 256x256 denoising: a ch2 axial slice zero-padded to 256x256, 5 % Rician noise.
    vol, noisy, peak, sigma = mri_data(args)
    z = 90
    img = np.zeros((256, 256))
    img[:vol.shape[0], :vol.shape[1]] = noisy[:, :, z]
    clean = np.zeros((256, 256))
    clean[:vol.shape[0], :vol.shape[1]] = vol[:, :, z]
    npy_write(os.path.join(mf.work, "speed_mri.npy"), img.T[None])
    # Its own stopping rule (default tolerances); the report (metrics.write_json) says how it stopped.
    toml = MRI_ADMM.format(inp="speed_mri.npy", prior="tv", beta=args.speed_beta, out="speed_mri_out.npy",
                           noise="gaussian")
    toml = toml.replace('"stack.volume -> output.image"]', '"stack.volume -> output.image", "recon.report -> report.json"]')
    toml += '[[node]]\nid = "report"\ntype = "metrics.write_json"\npath = "speed_mri_report.json"\n'
    wall, stats = mf.run("speed_mri", toml, stats=True)
    ours_img = np.load(os.path.join(mf.work, "speed_mri_out.npy"))[0].T
    with open(os.path.join(mf.work, "speed_mri_report.json")) as f:
        report = json.load(f)["records"][0]
    finest = report.get("finest", report)
    out["admm_mri"] = {"node_seconds": Mirflow.node_seconds(stats, "recon"), "process_seconds": wall,
                       "psnr": psnr(ours_img, clean, peak), "iterations": finest.get("iterations"),
                       "stop": finest.get("stop")}
    bart_img, bart_wall = bart_tv(mf.work, img / peak, args.speed_lambda)
    out["bart_mri"] = {"process_seconds": bart_wall, "psnr": psnr(bart_img * peak, clean, peak)}
    print(json.dumps(out), flush=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["ct", "mri", "speed", "all"])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work", default=os.path.join(ROOT, "out", "bench_ir"))
    ap.add_argument("--points", type=int, default=9, help="sweep grid size")
    ap.add_argument("--factor", type=float, default=1.5, help="sweep grid ratio")
    ap.add_argument("--ct-nx", type=int, default=128)
    ap.add_argument("--ct-views", type=int, default=180)
    ap.add_argument("--ct-iterations", type=int, default=60)
    ap.add_argument("--ct-cg", type=int, default=3, help="CG steps per ADMM x-step (CT)")
    ap.add_argument("--ct-points", type=int, default=5, help="β grid size (CT)")
    ap.add_argument("--ct-factor", type=float, default=2.0, help="β grid ratio (CT)")
    ap.add_argument("--ct-priors", nargs="+", default=["tv", "huber"])
    ap.add_argument("--ct-beta", type=float, default=20.0, help="centre of the first β grid")
    ap.add_argument("--mri-priors", nargs="+", default=["tv", "tgv"])
    ap.add_argument("--mri-beta", type=float, default=0.05)
    ap.add_argument("--mri-tune", type=int, nargs="+", default=[70, 100])
    ap.add_argument("--mri-eval", type=int, nargs="+", default=[80, 90, 110])
    ap.add_argument("--speed-parts", nargs="+", choices=["ct", "mri"], default=["ct", "mri"])
    ap.add_argument("--speed-iterations", type=int, default=5)
    ap.add_argument("--speed-beta", type=float, default=0.05, help="ir.admm TV β for the 256² run")
    ap.add_argument("--speed-lambda", type=float, default=0.03375, help="BART λ for the 256² run")
    args = ap.parse_args()
    mf = Mirflow(os.path.abspath(args.build), os.path.abspath(args.work))
    results = {"machine": machine(), "command": " ".join(sys.argv)}
    print(f"machine: {results['machine']}")
    if args.what in ("ct", "all"):
        results["ct"] = bench_ct(mf, args)
    if args.what in ("mri", "all"):
        results["mri"] = bench_mri(mf, args)
    if args.what in ("speed", "all"):
        if "mri" in results:  # time the denoisers at the parameters the quality sweep chose
            args.speed_beta = results["mri"]["mirflow ir.admm tv, no Rician correction"]["param"]
            args.speed_lambda = results["mri"]["BART pics -R T"]["param"]
        results["speed"] = bench_speed(mf, args)
    with open(os.path.join(mf.work, f"results_{args.what}.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)


if __name__ == "__main__":
    main()
