#!/usr/bin/python3
"""Times scikit-image's radon/iradon on the sizes bench_projectors uses (512x512 image, 720 views
over 180 degrees, circle=False: 725 detector bins) and prints them beside our figures, read from
bench_projectors' Google Benchmark JSON output.

    bench_projectors --benchmark_out=ours.json --benchmark_out_format=json
    /usr/bin/python3 skimage_compare.py --ours ours.json

skimage is single-threaded (NumPy); ours is shown with 1 and 2 oneTBB threads. Both sides keep
their best time (ours over --benchmark_repetitions, skimage over --repeat). Rows:
  forward      skimage radon                       vs physics parallel/forward (Joseph)
  back-project skimage iradon(filter_name=None)    vs physics parallel/adjoint (exact adjoint)
  FBP (ramp)   skimage iradon(filter_name='ramp')  vs physics parallel/fbp
"""
import argparse
import json
import os
import platform
import time

import numpy as np
import skimage
from skimage.transform import iradon, radon


def best_of(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ours", required=True, help="bench_projectors JSON output")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--views", type=int, default=720)
    ap.add_argument("--repeat", type=int, default=2, help="skimage runs per operation (best is kept)")
    a = ap.parse_args()

    with open(a.ours) as f:
        ours_json = json.load(f)
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    ours = {}
    for b in ours_json["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration":
            continue
        name = b["name"].replace("/real_time", "")
        t = b["real_time"] * scale[b["time_unit"]]
        ours[name] = min(t, ours.get(name, t))  # best of the repetitions

    rng = np.random.default_rng(0)
    image = rng.random((a.size, a.size))
    theta = np.linspace(0.0, 180.0, a.views, endpoint=False)
    sino = radon(image, theta=theta, circle=False)
    sk = {
        "forward": best_of(lambda: radon(image, theta=theta, circle=False), a.repeat),
        "adjoint": best_of(lambda: iradon(sino, theta=theta, output_size=a.size, filter_name=None, circle=False), a.repeat),
        "fbp": best_of(lambda: iradon(sino, theta=theta, output_size=a.size, filter_name="ramp", circle=False), a.repeat),
    }

    print(f"\nCPU: {cpu_model()}, {os.cpu_count()} logical cores; scikit-image {skimage.__version__}, NumPy {np.__version__}")
    print(f"parallel beam, {a.size}x{a.size} image, {a.views} views over 180 deg, {sino.shape[0]} bins; wall seconds\n")
    hdr = f"{'operation':<14}{'skimage':>10}{'ours 1 thr':>12}{'ours 2 thr':>12}{'speed-up 1 thr':>16}{'speed-up 2 thr':>16}"
    print(hdr)
    print("-" * len(hdr))
    labels = {"forward": "forward", "adjoint": "back-project", "fbp": "FBP (ramp)"}
    for key, label in labels.items():
        o1, o2 = ours.get(f"parallel/{key}/1"), ours.get(f"parallel/{key}/2")
        cell = lambda v: f"{v:>12.3f}" if v else f"{'n/a':>12}"
        sp = lambda v: f"{sk[key] / v:>15.1f}x" if v else f"{'n/a':>16}"
        print(f"{label:<14}{sk[key]:>10.3f}{cell(o1)}{cell(o2)}{sp(o1)}{sp(o2)}")
    fan = [(k, v) for k, v in sorted(ours.items()) if k.startswith("fan_arc/")]
    if fan:
        print("\nours only (skimage has no fan beam): fan beam, arc detector, 720 views over 360 deg")
        for k, v in fan:
            print(f"  {k:<24}{v:>10.3f} s")


if __name__ == "__main__":
    main()
