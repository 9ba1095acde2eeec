#!/usr/bin/env bash
# A clean stop and merging: SIGUSR1 (SLURM's warning signal) stops a sweep with exit code 3 and
# an archive of what finished; a resume completes it; `merge` joins a partial and a complete
# archive into one that keeps each task once, and refuses archives of another study.
bin=${1:?usage: sweep_stop_merge.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"

sed -e 's/^train.epochs = 10$/train.epochs = 600/' -e 's/^train.epochs = 3$/train.epochs = 120/' \
  "$root/studies/test-small.toml" > "$work/study.toml"
"$bin" run "$work/study.toml" -o "$work/clean.h5" --threads 2 > "$work/clean.log"
tasks=$("$bin" plan "$work/study.toml" | sed -n 's/.*: \([0-9]*\) tasks in.*/\1/p')

# mpirun passes SIGUSR1 on to every rank.
"${mpi[@]}" -np 3 "$bin" run "$work/study.toml" -o "$work/stopped.h5" > "$work/stop.log" 2>&1 &
pid=$!
# Signal as soon as the first task is done (status reads the journal), whatever the load.
for _ in $(seq 1 600); do
  done_now=$("$bin" status "$work/stopped.h5" 2>/dev/null | awk '$1 == "total" { print $2 }' || true)
  [[ ${done_now:-0} -ge 1 ]] && break
  sleep 0.05
done
kill -USR1 "$pid"
status=0
wait "$pid" || status=$?
cat "$work/stop.log"
((status == 3)) || fail "a stopped sweep exited $status, expected 3"
grep -q "stopped on signal 10 before the end" "$work/stop.log" || fail "no stop message"
cp "$work/stopped.h5" "$work/partial.h5"
partial=$("$python" -c "import sys; from archive_h5 import Archive; print(len(Archive(sys.argv[1]).tasks()))" "$work/partial.h5")
((partial > 0 && partial < tasks)) || fail "the stopped archive holds $partial of $tasks tasks"

"${mpi[@]}" -np 3 "$bin" run "$work/study.toml" -o "$work/stopped.h5" > "$work/resume.log"
grep -q "resuming: $partial tasks already finished" "$work/resume.log" || fail "resume did not start from $partial"
compare "$work/clean.h5" "$work/stopped.h5" --expect-tasks "$tasks"

"$bin" merge "$work/partial.h5" "$work/clean.h5" -o "$work/merged.h5" | tee "$work/merge.log"
grep -q "$tasks tasks" "$work/merge.log" || fail "merge did not keep every task once"
compare "$work/clean.h5" "$work/merged.h5" --expect-tasks "$tasks"

sed 's/^seed = 7$/seed = 8/' "$work/study.toml" > "$work/other.toml"
sed -i -e 's/^train.epochs = 600$/train.epochs = 1/' -e 's/^train.epochs = 120$/train.epochs = 1/' "$work/other.toml"
"$bin" run "$work/other.toml" -o "$work/other.h5" > /dev/null
if "$bin" merge "$work/clean.h5" "$work/other.h5" -o "$work/bad.h5" 2> "$work/err.txt"; then
  fail "archives of different studies were merged"
fi
grep -q "other.h5" "$work/err.txt" && grep -q "clean.h5" "$work/err.txt" \
  || fail "the refusal does not name both archives: $(cat "$work/err.txt")"
[[ ! -e "$work/bad.h5" ]] || fail "a refused merge left an output file"
echo "sweep_stop_merge: all checks passed"
