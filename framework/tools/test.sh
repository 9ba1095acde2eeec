#!/usr/bin/env bash
# The README's second command (and CI's): install what is missing, build, run every test.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bash framework/tools/install-deps.sh
bash framework/tools/build.sh
ctest --test-dir build --output-on-failure -j 2
