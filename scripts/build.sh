#!/usr/bin/env bash
# Installs what is missing (apt), configures and builds mirflow into ./build (Release).
# Extra arguments go to CMake, e.g. -DMIRFLOW_WITH_CUDA=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build --parallel "$(nproc)"
