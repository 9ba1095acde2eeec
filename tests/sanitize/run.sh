#!/usr/bin/env bash
# Runs one test of the sanitizer build (tests/CMakeLists.txt): COMMAND... with the sanitizers'
# reports written to files, then fails if any was written, and prints them. A report on stderr
# alone could go unseen: some tests ignore a run's exit status (`|| true`) or its output.
# Otherwise the test's own exit status is kept (77: skipped).
set -uo pipefail
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$reports/asan"    # leaks too
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:log_path=$reports/ubsan"  # file names end in the pid
status=0
"$@" || status=$?
if compgen -G "$reports/*" > /dev/null; then
  for report in "$reports"/*; do
    echo "==== sanitizer report $(basename "$report") ===="
    cat "$report"
  done
  echo "FAIL: the sanitizers reported errors (above); the test itself exited $status" >&2
  exit 1
fi
exit "$status"
