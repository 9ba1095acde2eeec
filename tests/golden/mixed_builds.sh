#!/usr/bin/env bash
# One archive, one build: results of two builds of noisesweep (here the tests' main build and
# its x86-64-v3 build, whose last bits differ) are not mixed unless the user says so.
#   run (resume)  of an archive the other build wrote: refused, then accepted with
#                 --allow-mixed-builds, and status lists both builds;
#   run --reuse   of the other build's tasks: the same;
#   merge         of archives of the two builds: the same.
# Usage: mixed_builds.sh PATH/TO/noisesweep PATH/TO/noisesweep-OTHER-BUILD
bin=${1:?usage: mixed_builds.sh NOISESWEEP OTHER_NOISESWEEP}
other=${2:?usage: mixed_builds.sh NOISESWEEP OTHER_NOISESWEEP}
source "$(dirname "$0")/../e2e/lib.bash"

build_of() { "$1" --version | sed -n 's/^build: //p'; }
[[ "$(build_of "$bin")" != "$(build_of "$other")" ]] || fail "the two programs are the same build"
study="$root/tests/fixtures/study.toml"
sed 's/^seed = {replicates = 2}$/seed = {replicates = 3}/' "$study" > "$work/grown.toml"

refused_then_allowed() {  # NAME COMMAND...: refused naming the flag, then done with it
  local name=$1
  shift
  if "$@" > "$work/$name.log" 2>&1; then fail "$name: mixing builds was not refused"; fi
  grep -q -- "--allow-mixed-builds" "$work/$name.log" || fail "$name: $(cat "$work/$name.log")"
  grep -qF "$(build_of "$other")" "$work/$name.log" || fail "$name: the message does not name the other build"
  "$@" --allow-mixed-builds > "$work/$name.log" 2>&1 || fail "$name: $(cat "$work/$name.log")"
}

# An archive half done by the other build: its first shard.
"$other" run "$study" -o "$work/half.h5" --shard 0/2 --threads 2 > /dev/null
"$other" run "$study" -o "$work/other.h5" --threads 2 > /dev/null
"$bin" run "$study" -o "$work/mine.h5" --threads 2 > /dev/null

refused_then_allowed resume "$bin" run "$study" -o "$work/other.h5" --retry-failed --threads 1
refused_then_allowed reuse "$bin" run "$work/grown.toml" -o "$work/grown.h5" --reuse "$work/other.h5" --threads 2
grep -q "reused 6 finished task(s)" "$work/reuse.log" || fail "reuse: $(cat "$work/reuse.log")"
"$bin" status "$work/grown.h5" > "$work/status.txt"
[[ $(grep -c "^computed by:" "$work/status.txt") == 2 ]] || fail "status does not list both builds"
refused_then_allowed merge "$bin" merge "$work/half.h5" "$work/mine.h5" -o "$work/merged.h5"
echo "mixed_builds: resume, --reuse and merge refuse to mix builds unless allowed"
