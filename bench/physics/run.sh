#!/usr/bin/env bash
# Projector / back-projector / FBP throughput of libmirflow_physics against scikit-image, in the
# same run on the same machine.
#   bench/physics/run.sh [build-dir]        (default: build/)
# Needs the bench_projectors target (cmake -DMIRFLOW_BUILD_BENCH=ON, the default) and Debian's
# /usr/bin/python3 with scikit-image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$build/bin/bench_projectors" --benchmark_repetitions=3 --benchmark_out="$out/ours.json" --benchmark_out_format=json
/usr/bin/python3 "$here/skimage_compare.py" --ours "$out/ours.json"
