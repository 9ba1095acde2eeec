#!/usr/bin/env bash
# Configures and builds noisesweep (Release, -O3, -march=native unless -DNOISESWEEP_ARCH=...) into
# build/; with the tests, also the x86-64-v3 program that recomputes the golden archive.
# Usage: framework/tools/build.sh [extra cmake -D options...]
#   NOISESWEEP_BUILD_TARGET=noisesweep builds the program alone (the quickstart does).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$root/build" -j "$(nproc)" --target "${NOISESWEEP_BUILD_TARGET:-all}"
