#!/usr/bin/env bash
# Configures and builds noisesweep (Release, -O3 -march=native) into build/.
# Usage: framework/tools/build.sh [extra cmake -D options...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$root/build" -j "$(nproc)"
