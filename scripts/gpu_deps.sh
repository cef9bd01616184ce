#!/usr/bin/env bash
# Here, once per checkout, before a GPU session: downloads (does not install) the Debian packages
# that a MIRFLOW_GPU_CHECK_ONLY build needs into .deps/ (git-ignored through .git/info/exclude),
# for `run` to carry to the GPU machine, which has no apt (../shared/docs/gpu.md).
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qxF '/.deps/' .git/info/exclude 2>/dev/null || echo '/.deps/' >> .git/info/exclude
mkdir -p .deps
cd .deps
apt-get download \
  libtbb-dev libtbb12 libtbbmalloc2 libtbbbind-2-5 libhwloc15 \
  libtomlplusplus-dev libtomlplusplus3 nlohmann-json3-dev \
  libfftw3-dev libfftw3-single3 libfftw3-double3 libfftw3-long3 libfftw3-quad3 libfftw3-bin \
  pkgconf pkgconf-bin libpkgconf3 \
  libgtest-dev libbenchmark-dev libbenchmark1debian
du -sh .
