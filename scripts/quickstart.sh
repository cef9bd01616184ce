#!/usr/bin/env bash
# Set-up and the main job on the embedded default: graphs/quickstart.toml on the Colin27 T1
# volume from Debian's mricron-data. No network, no GPU. Outputs go to out/quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
build/bin/mirflow run graphs/quickstart.toml --stats
echo "outputs:"
ls -l out/quickstart/
