#!/usr/bin/env bash
# Installs, with apt-get, every Debian package mirflow builds, tests or runs with.
# Idempotent: packages already present are left alone, and apt is not touched at all
# when nothing is missing. Both README commands go through this script.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config git
  # engine
  libtbb-dev libtomlplusplus-dev nlohmann-json3-dev libeigen3-dev
  # I/O
  libpng-dev zlib1g-dev libnifti2-dev libgdcm-dev libfftw3-dev
  # learned stage, network stage, bindings
  libtorch-dev libcurl4-openssl-dev pybind11-dev python3-dev python3-torch python3-matplotlib
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-numpy python3-pytest python3-nibabel python3-pydicom python3-gdcm python3-skimage python3-pil dcmtk
  # reference reconstructions for bench/ir (BART pics)
  bart
  # real data for the quickstart and the tests (Colin27 T1 and atlases)
  mricron-data
  # validation data and the external peer (bench/mri_validation)
  python3-dipy
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root (or install them yourself)" >&2
  exit 2
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
