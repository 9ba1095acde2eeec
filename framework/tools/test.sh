#!/usr/bin/env bash
# The README's second command (and CI's): install what is missing, build, run every test; then
# the sanitizer build (AddressSanitizer, UndefinedBehaviorSanitizer) in build-sanitize/ and its
# tests: the unit tests and the end-to-end tests of input handling (tests/CMakeLists.txt).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Runs the tests of one build folder. A skipped test checked nothing: the suite fails, naming it
# (ctest itself exits 0 for skips).
run_tests() {  # BUILD_FOLDER
  ctest --test-dir "$1" --output-on-failure -j 2 | tee "$log"
  if grep -q "(Skipped)" "$log"; then
    echo "test.sh: some tests in $1 were skipped, so the suite fails:" >&2
    grep "(Skipped)" "$log" >&2
    exit 1
  fi
}

bash framework/tools/install-deps.sh
bash framework/tools/build.sh
run_tests build

cmake -S "$root" -B "$root/build-sanitize" -DCMAKE_BUILD_TYPE=Release -DNOISESWEEP_SANITIZE=ON
cmake --build "$root/build-sanitize" -j "$(nproc)"
run_tests build-sanitize
