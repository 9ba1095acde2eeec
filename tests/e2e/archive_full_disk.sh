#!/usr/bin/env bash
# A full disk loses no finished task. The test study runs into small tmpfs mounts, so that the
# disk fills up at a journal append, at a checkpoint, or at the final archive write, under
# --threads and under mpirun. Each run must exit 1 with an error naming the file and the
# cause, leave the archive and the journal readable, and, once the files are copied to a roomy
# disk, resume to the same results as a run that never failed, with every task that a progress
# line reported done already there. Needs root (mount); CI runs as root.
bin=${1:?usage: archive_full_disk.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"

[[ $(id -u) == 0 ]] || fail "this test mounts tmpfs file systems and needs root"
small="$work/small"
mkdir -p "$small"
trap 'umount "$small" 2>/dev/null || true; rm -rf "$work"' EXIT

study="$root/studies/test-small.toml"
"$bin" run "$study" -o "$work/clean.h5" --threads 2 > "$work/clean.log"
tasks=16

# full_disk_case NAME SIZE EXPECTED_MESSAGE COMMAND...: COMMAND runs the study into $small/t.h5
# on a fresh tmpfs of SIZE; it must fail on the full disk with EXPECTED_MESSAGE.
full_disk_case() {
  local name=$1 size=$2 expected=$3
  shift 3
  umount "$small" 2>/dev/null || true
  mount -t tmpfs -o "size=$size" tmpfs "$small" || fail "cannot mount a tmpfs at $small"
  local status=0
  "$@" > "$work/$name.log" 2>&1 || status=$?
  ((status == 1)) || { cat "$work/$name.log"; fail "$name: exited $status on a full disk, expected 1"; }
  grep -q "No space left on device" "$work/$name.log" || fail "$name: the error does not give the cause"
  grep -q "$expected" "$work/$name.log" \
    || { cat "$work/$name.log"; fail "$name: expected the error to say '$expected'"; }
  grep -q "$small/t.h5" "$work/$name.log" || fail "$name: the error does not name the archive"
  [[ -f "$small/t.h5.journal" ]] || fail "$name: the journal was removed"
  ! ls "$small"/*.tmp.* > /dev/null 2>&1 || fail "$name: a temporary file was left behind"
  "$bin" status "$small/t.h5" > "$work/$name.status" \
    || fail "$name: status cannot read what the failed run left"

  local reported
  reported=$(sed -n 's/.*\[progress\] \([0-9]*\)\/.*/\1/p' "$work/$name.log" | tail -n 1)
  rm -rf "$work/roomy" && mkdir "$work/roomy"
  cp "$small"/t.h5 "$small"/t.h5.journal "$work/roomy/"
  umount "$small"
  "$bin" run "$study" -o "$work/roomy/t.h5" --threads 2 > "$work/$name.resume.log"
  local kept
  kept=$(sed -n 's/^resuming: \([0-9]*\) tasks already finished.*/\1/p' "$work/$name.resume.log")
  ((${kept:-0} >= ${reported:-0})) \
    || fail "$name: $reported tasks were reported done, but the resume found only ${kept:-0}"
  compare "$work/clean.h5" "$work/roomy/t.h5" --expect-tasks "$tasks"
  echo "$name: failed as expected ($(grep -m1 'error' "$work/$name.log" | cut -c1-120)...);" \
    "$reported reported done, $kept kept, resumed to the clean results"
}

progress=(--progress-interval 0.001)
full_disk_case journal-threads 250k "t.h5.journal: cannot write" \
  "$bin" run "$study" -o "$small/t.h5" --threads 2 "${progress[@]}"
# A checkpoint after every task: the archive grows until its rewrite no longer fits.
full_disk_case checkpoint-threads 600k "cannot write the archive" \
  "$bin" run "$study" -o "$small/t.h5" --threads 1 --checkpoint-interval 0.001 "${progress[@]}"
grep -q "\[progress\] $tasks/$tasks" "$work/checkpoint-threads.log" \
  && fail "checkpoint-threads: the disk filled only at the final write, not at a checkpoint"
full_disk_case final-threads 500k "cannot write the archive" \
  "$bin" run "$study" -o "$small/t.h5" --threads 1 "${progress[@]}"
grep -q "\[progress\] $tasks/$tasks done" "$work/final-threads.log" \
  || fail "final-threads: the disk filled before the final write"
full_disk_case journal-mpi 250k "t.h5.journal: cannot write" \
  "${mpi[@]}" -np 3 "$bin" run "$study" -o "$small/t.h5" "${progress[@]}"
full_disk_case final-mpi 500k "cannot write the archive" \
  "${mpi[@]}" -np 3 "$bin" run "$study" -o "$small/t.h5" "${progress[@]}"
echo "archive_full_disk: all checks passed"
