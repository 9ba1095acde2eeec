#!/usr/bin/env bash
# One writer per archive, and nothing a writer journaled is dropped:
#  - `merge` of an archive whose sweep was killed keeps the tasks only its journal holds;
#  - `merge -o` onto the archive of a running sweep is refused (and so is an output holding the
#    journal of an interrupted sweep), and the sweep then resumes as if nothing happened;
#  - of two runs started at once on one archive, one runs and the other is refused with a
#    message saying that another process writes it.
bin=${1:?usage: archive_writers.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"

# Slow enough that a sweep is still running while the checks below look at it.
sed -e 's/^train.epochs = 10$/train.epochs = 400/' -e 's/^train.epochs = 3$/train.epochs = 100/' \
  "$root/studies/test-small.toml" > "$work/slow.toml"
"$bin" run "$work/slow.toml" -o "$work/clean.h5" --threads 2 > /dev/null
tasks=16

done_count() {  # tasks done according to status (archive and journal), 0 if unreadable
  local n
  n=$("$bin" status "$1" 2>/dev/null | awk '$1 == "total" { print $2 }' || true)
  echo "${n:-0}"
}
task_count() {  # tasks the archive itself holds (committed), read with h5py
  "$python" -c "import sys; from archive_h5 import Archive; print(len(Archive(sys.argv[1]).tasks()))" "$1"
}
wait_for_done() {  # ARCHIVE N: until status counts N done tasks (at most 60 s)
  for _ in $(seq 1 1200); do
    (($(done_count "$1") >= $2)) && return 0
    sleep 0.05
  done
  fail "$1: fewer than $2 tasks done after 60 s"
}

# --- a running sweep: merge onto it is refused, merge from it is a snapshot ---
setsid "$bin" run "$work/slow.toml" -o "$work/live.h5" --threads 1 > "$work/live.log" 2>&1 &
live=$!
wait_for_done "$work/live.h5" 2
if "$bin" merge "$work/clean.h5" -o "$work/live.h5" > "$work/onto-live.log" 2>&1; then
  fail "merge -o onto the archive of a running sweep was accepted"
fi
grep -q "another process is writing this archive" "$work/onto-live.log" \
  || fail "merge onto a running sweep: unclear refusal: $(cat "$work/onto-live.log")"
"$bin" merge "$work/live.h5" -o "$work/snapshot.h5" > "$work/snapshot.log"
grep -q "a sweep is still writing" "$work/snapshot.log" || fail "merge from a running sweep says nothing"

# --- killed: the journal holds what the archive does not; merge keeps it ---
kill -KILL -- "-$live"
wait "$live" || true
journaled=$(done_count "$work/live.h5")
in_archive=$(task_count "$work/live.h5")
((journaled > in_archive)) || fail "the killed sweep's journal holds nothing beyond its archive"
"$bin" merge "$work/live.h5" -o "$work/merged.h5" > "$work/merge.log"
merged=$(task_count "$work/merged.h5")
((merged == journaled)) || fail "status counts $journaled done, but merge wrote $merged tasks"
grep -q "from the journals" "$work/merge.log" || fail "merge does not say it read a journal"

# An output that holds another sweep's journal would orphan those tasks.
cp "$work/live.h5.journal" "$work/orphan.h5.journal"
if "$bin" merge "$work/clean.h5" -o "$work/orphan.h5" > "$work/orphan.log" 2>&1; then
  fail "merge onto a path with the journal of an interrupted sweep was accepted"
fi
grep -q "journal" "$work/orphan.log" || fail "unclear refusal: $(cat "$work/orphan.log")"

# The killed sweep resumes to the clean results.
"$bin" run "$work/slow.toml" -o "$work/live.h5" --threads 2 > "$work/resume.log"
grep -q "resuming: $journaled tasks already finished" "$work/resume.log" \
  || fail "the resume did not start from the $journaled journaled tasks"
compare "$work/clean.h5" "$work/live.h5" --expect-tasks "$tasks"

# --- two runs at once on one archive: exactly one runs ---
for try in $(seq 1 10); do
  rm -f "$work/race.h5"*
  setsid "$bin" run "$work/slow.toml" -o "$work/race.h5" --threads 1 > "$work/race-a.log" 2>&1 &
  a=$!
  setsid "$bin" run "$work/slow.toml" -o "$work/race.h5" --threads 1 > "$work/race-b.log" 2>&1 &
  b=$!
  loser_status=0
  wait -n "$a" "$b" || loser_status=$?
  if kill -0 "$a" 2>/dev/null; then winner=$a loser_log=race-b.log; else winner=$b loser_log=race-a.log; fi
  kill -0 "$winner" 2>/dev/null || fail "try $try: both runs ended at once"
  ((loser_status == 1)) || fail "try $try: the refused run exited $loser_status"
  grep -q "another process is writing this archive" "$work/$loser_log" \
    || fail "try $try: the refused run says: $(cat "$work/$loser_log")"
  kill -KILL -- "-$winner"
  wait "$winner" || true
done
echo "two runs at once: 10 of 10 tries ran one and refused the other clearly"
echo "archive_writers: all checks passed"
