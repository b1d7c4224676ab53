#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# Installs the Debian packages taskhub needs (only those missing), then configures and builds
# into ./build. Run as root on Debian 12.
set -e
cd "$(dirname "$0")/.."
packages="g++ make cmake pkg-config openmpi-bin libopenmpi-dev libboost-serialization-dev libgtest-dev libhdf5-openmpi-dev hdf5-tools zlib1g-dev clang libclang-rt-14-dev chromium"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
