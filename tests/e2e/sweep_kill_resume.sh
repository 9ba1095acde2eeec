#!/usr/bin/env bash
# Crash safety: the sweep (3 MPI ranks, a checkpoint every 50 ms) is killed with SIGKILL at
# random moments (10 for the test study, 3 for the nonidealities' study) and resumed each time.
# After every kill the archive must open, and hold at least every task the last
# progress line had reported done. The final archive must hold every task exactly once, with
# results identical to an uninterrupted run.
bin=${1:?usage: sweep_kill_resume.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"

# A test study with much longer training (about 9 s of work on 2 workers for test-small), so
# that each kill lands in the middle of the work and every resume has tasks left to do.
# Usage: kill_and_resume STUDY KILLS EPOCHS FINE_TUNING_EPOCHS (the study's 10 and 3 become
# these).
kill_and_resume() {
local source=$1 kills=$2 long=$3 short=$4 name lines
name=$(basename "$source" .toml)
lines=$(grep -c "^train.epochs = \(10\|3\)$" "$source")
sed -e "s/^train.epochs = 10$/train.epochs = $long/" -e "s/^train.epochs = 3$/train.epochs = $short/" \
  "$source" > "$work/$name.toml"
[[ $(grep -c "^train.epochs = \($long\|$short\)$" "$work/$name.toml") == "$lines" && $lines -ge 2 ]] ||
  fail "could not lengthen $name"
local study=$work/$name.toml
rm -f "$work/clean.h5" "$work/killed.h5"
"$bin" run "$study" -o "$work/clean.h5" > "$work/clean.log"
tasks=$("$bin" plan "$study" | sed -n 's/.*: \([0-9]*\) tasks in.*/\1/p')

RANDOM=20261128  # reproducible kill moments
for kill in $(seq 1 "$kills"); do
  # (RANDOM read here, not inside $(...), whose subshell would not advance it)
  seconds=$((RANDOM % 2)) millis=$((200 + RANDOM % 800))
  delay=$(printf '%d.%03d' "$seconds" "$millis")
  # Own session: mpirun puts each rank in a process group of its own, so the whole job is
  # killed at once by its session id.
  # A checkpoint every 50 ms: kills also land while the archive is being appended to.
  setsid "${mpi[@]}" -np 3 "$bin" run "$study" -o "$work/killed.h5" \
    --progress-interval 0.02 --checkpoint-interval 0.05 > "$work/run$kill.log" 2>&1 &
  pid=$!
  sleep "$delay"
  pkill -KILL -s "$pid" || true
  wait "$pid" 2>/dev/null || true
  # A rank being forked at the moment of the kill can escape it: make sure none survives.
  for _ in 1 2 3 4 5; do
    pkill -KILL -f "noisesweep run $study" || break
    sleep 0.1
  done
  reported=$(sed -n 's/^\[progress\] \([0-9]*\)\/.*/\1/p' "$work/run$kill.log" | tail -1)
  reported=${reported:-0}
  if [[ -f "$work/killed.h5" ]]; then
    "$bin" status "$work/killed.h5" > "$work/status$kill.txt" || true
    held=$(awk '$1 == "total" { print $2 }' "$work/status$kill.txt")
    [[ -n "$held" ]] || fail "kill $kill: status could not read the archive: $(cat "$work/status$kill.txt")"
    ((held >= reported)) || fail "kill $kill after ${delay}s: $reported tasks reported done, $held kept"
  else
    ((reported == 0)) || fail "kill $kill: $reported tasks reported done but no archive exists"
    held=0
  fi
  echo "kill $kill after ${delay}s: $reported reported done, $held held"
done

"${mpi[@]}" -np 3 "$bin" run "$study" -o "$work/killed.h5" > "$work/final.log"
resumed=$(sed -n 's/^resuming: \([0-9]*\) tasks already finished.*/\1/p' "$work/final.log")
echo "final run resumed with ${resumed:-0} of $tasks tasks finished"
((${resumed:-0} < tasks)) || echo "note: the kills came after the last task; nothing was left to resume"
[[ ! -e "$work/killed.h5.journal" ]] || fail "the journal outlived a complete run"
compare "$work/clean.h5" "$work/killed.h5" --expect-tasks "$tasks"
echo "$name: all checks passed"
}

kill_and_resume "$root/studies/test-small.toml" 10 2000 400
# The nonidealities: per-chip and per-sample draws, calibration, noise-aware training.
kill_and_resume "$root/studies/test-hardware.toml" 3 1000 200
echo "sweep_kill_resume: all checks passed"
