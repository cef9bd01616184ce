#!/usr/bin/env bash
# Set-up and the main job on the embedded default: graphs/quickstart.toml on the Colin27 T1
# volume from Debian's mricron-data (5 % Rician noise, then the hybrid GAN + ADMM-IR + semantic
# fusion denoiser; docs/hybrid.md). No network, no GPU. Outputs go to out/quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
build/bin/mirflow run graphs/quickstart.toml --stats
echo "outputs (ch2_hybrid.nii.gz: denoised; ch2_rician5.nii.gz: its noisy input;"
echo "         metrics_noisy.json / metrics_hybrid.json: PSNR, SSIM, RMSE per slice against the clean slice):"
ls -l out/quickstart/
