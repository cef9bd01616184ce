#!/usr/bin/env bash
# On the GPU machine, in one `run` that carries .deps (made here by scripts/gpu_deps.sh):
#   bash scripts/gpu_check.sh
# 1. unpacks the Debian packages; configures MIRFLOW_GPU_CHECK_ONLY with nvcc; builds the GPU
#    runtime, the parity tests and bench_gpu; runs them;
# 2. in a second build folder, against the machine's PyTorch LibTorch (CUDA), builds and runs
#    gan.denoise's CUDA test (a LibTorch that does not configure cannot stop step 1).
# Every log goes to $OUT (default /tmp/gpu-out). Exit status: the tests'.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT" /tmp/deps
for f in .deps/*.deb; do dpkg -x "$f" /tmp/deps; done
export PATH=/tmp/deps/usr/bin:/usr/local/cuda/bin:$PATH
export LD_LIBRARY_PATH=/tmp/deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
export PKG_CONFIG_PATH=/tmp/deps/usr/lib/x86_64-linux-gnu/pkgconfig:/tmp/deps/usr/share/pkgconfig
COMMON=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DMIRFLOW_GPU_CHECK_ONLY=ON -DCMAKE_PREFIX_PATH=/tmp/deps/usr
        -DCMAKE_CUDA_ARCHITECTURES=90)
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1

# 1. Kernels: parity and timings.
{
  cmake -S . -B build-gpu "${COMMON[@]}" -DCMAKE_DISABLE_FIND_PACKAGE_Torch=ON &&
    cmake --build build-gpu --parallel "$(nproc)" --target test_gpu_parity test_gpu_wavelet_passes bench_gpu
} > "$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; exit 1; }
./build-gpu/tests/test_gpu_wavelet_passes > "$OUT/wavelet_passes.txt" 2>&1
rc=$?
./build-gpu/tests/test_gpu_parity > "$OUT/parity.txt" 2>&1
rc=$((rc | $?))
tail -60 "$OUT/parity.txt"
./build-gpu/bin/bench_gpu --benchmark_out="$OUT/bench_gpu.json" --benchmark_out_format=json \
  > "$OUT/bench_gpu.txt" 2>&1
tail -20 "$OUT/bench_gpu.txt"

# 2. gan.denoise on CUDA, against the CUDA LibTorch inside the machine's PyTorch.
if TORCH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))' 2>/dev/null) &&
  cmake -S . -B build-gpu-gan "${COMMON[@]}" -DTorch_DIR="$TORCH/share/cmake/Torch" > "$OUT/build_gan.log" 2>&1 &&
  cmake --build build-gpu-gan --parallel "$(nproc)" --target test_gan_cuda_inference >> "$OUT/build_gan.log" 2>&1; then
  MIRFLOW_PLUGIN_PATH=build-gpu-gan/plugins ./build-gpu-gan/tests/test_gan_cuda_inference > "$OUT/gan_cuda.txt" 2>&1
  rc=$((rc | $?))
  tail -20 "$OUT/gan_cuda.txt"
else
  echo "gan.denoise CUDA test not built: see build_gan.log" | tee "$OUT/gan_cuda.txt"
  tail -20 "$OUT/build_gan.log"
fi
exit $rc
