#!/usr/bin/env bash
# Set-up, build, and every test (GoogleTest and pytest, through ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir build --output-on-failure --parallel "$(nproc)" --timeout 600
