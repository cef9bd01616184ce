#!/bin/sh
# GAN denoiser benchmark: LibTorch (bench_gan) and the same generator in PyTorch eager, one run.
#   bench/gan/run.sh [build-dir] [width]
set -e
build=${1:-build}
width=${2:-4}
"$build/bin/bench_gan" "$width" 256 10 5 64 4
for t in 1 2; do /usr/bin/python3 "$(dirname "$0")/generator_eager.py" --width "$width" --threads "$t" --repeat 10; done
