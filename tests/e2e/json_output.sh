#!/usr/bin/env bash
# `plan --json` and `status --json`, which slurm/submit and slurm/status read: stdout holds one
# JSON object of the documented schema and nothing else, the exit codes are those of the text
# output, and every field agrees with a source of its own: the text of `plan`, and the archive
# read with h5py. Covers a complete study, failed tasks whose messages need escaping (quotes,
# backslash, newline, tab, non-ASCII), a shard, a killed sweep whose results are only in its
# journal, and errors.
bin=${1:?usage: json_output.sh PATH/TO/noisesweep}
# shellcheck source=tests/e2e/lib.bash
source "$(dirname "$0")/lib.bash"
study=$root/studies/test-small.toml

# Runs `$python - ARGS` on the checks in the here-document; they fail with one message.
check() { "$python" - "$@" || fail "the checks above failed"; }

# ---- plan: every task and the costs, against the text tables ----
"$bin" plan "$study" --json --gflops 10 --rows 1 > "$work/plan.json"
"$bin" plan "$study" --gflops 10 --rows 0 > "$work/plan.txt"
check "$work/plan.json" "$work/plan.txt" <<'PY'
import json, re, sys
plan = json.load(open(sys.argv[1]))  # fails unless stdout was exactly one JSON document
text = open(sys.argv[2]).read().split("\n")

assert plan["schema"] == "noisesweep-plan/1", plan["schema"]
head = re.match(r"study '(.*)' \((.*), hash (\w+)\): (\d+) tasks in (\d+) stages, study seed (\d+)",
                text[0])
name, file, hash8, count, stages, seed = head.groups()
s = plan["study"]
assert (s["name"], s["file"], s["hash"][:8], s["seed"]) == (name, file, hash8, int(seed)), s
assert re.fullmatch(r"[0-9a-f]{32}", s["hash"]), s["hash"]
assert plan["task_count"] == int(count) == len(plan["tasks"]) == 16, "--rows must not apply"
assert len(plan["stages"]) == int(stages)
assert plan["gflops_per_core"] == 10

# The task table: index, stage, short id, parent ("-": none), then the swept values.
start = next(i for i, line in enumerate(text) if line.split()[:3] == ["#", "stage", "id"])
rows = [line.split() for line in text[start + 1:start + 1 + len(plan["tasks"])]]
for task, row in zip(plan["tasks"], rows):
    parent = None if row[3] == "-" else int(row[3])
    got = (task["index"], task["stage"], task["id"][:8], task["parent"])
    assert got == (int(row[0]), row[1], row[2], parent), (got, row)
    assert set(task["axes"]) <= set(plan["axis_keys"]), task["axes"]
    if task["parent"] is not None:
        assert plan["tasks"][task["parent"]]["index"] == task["parent"]

# The stage table: tasks, starts from, weights kept, compute ("394 MFLOP"), time ("0.039 core-s").
units = {"FLOP": 1, "kFLOP": 1e3, "MFLOP": 1e6, "GFLOP": 1e9, "TFLOP": 1e12}
seconds = {"core-s": 1, "core-min": 60, "core-h": 3600}
table = {line.split()[0]: line.split() for line in text
         if line.split() and line.split()[0] in [st["name"] for st in plan["stages"]] + ["total"]}
for st in plan["stages"] + [dict(plan["total"], name="total", starts_from=None)]:
    row = table[st["name"]]
    if st["name"] == "total":  # no "starts from" column
        row = row[:2] + ["-"] + row[2:]
    assert st["tasks"] == int(row[1]), (st, row)
    assert (st["starts_from"] or "-") == row[2], (st, row)
    assert st["weights_kept"] == int(row[3]), (st, row)
    assert abs(st["flops"] / (float(row[4]) * units[row[5]]) - 1) < 5e-3, (st, row)
    assert abs(st["core_seconds"] - st["flops"] / 10e9) <= 1e-12 * st["core_seconds"], st
    assert abs(st["core_seconds"] / (float(row[6]) * seconds[row[7]]) - 1) < 5e-2, (st, row)
assert sum(st["tasks"] for st in plan["stages"]) == plan["total"]["tasks"] == 16
assert abs(sum(st["flops"] for st in plan["stages"]) / plan["total"]["flops"] - 1) < 1e-12
print("plan --json: agrees with the text of plan")
PY

# ---- status of a complete study, against the archive ----
"$bin" run "$study" -o "$work/small.h5" --threads 2 > "$work/run.log"
"$bin" status "$work/small.h5" --json > "$work/status.json" || fail "status exited $? for a complete study"

# Usage: check_status STATUS.json ARCHIVE.h5 PLAN.json: status --json against the archive read
# with h5py, and against the study's task count in `plan --json` (whose task ids and axes must
# be the archive's).
check_status() {
  check "$@" <<'PY'
import json, sys, tomllib
from archive_h5 import Archive
status = json.load(open(sys.argv[1]))
archive = Archive(sys.argv[2])
run = archive.provenance()

assert status["schema"] == "noisesweep-status/1", status["schema"]
assert status["archive"] == sys.argv[2], status["archive"]
assert status["study"] == {k: run["study_" + k] for k in ("name", "file", "hash")}
index, count = map(int, run["shard"].split("/"))
assert status["shard"] == {"index": index, "count": count}, status["shard"]
plan = json.load(open(sys.argv[3]))
assert status["tasks"] == plan["task_count"], status["tasks"]
assert plan["study"]["hash"] == status["study"]["hash"]

tasks = {int(t.attrs["index"]): t for t in archive.tasks().values()}
assert len(tasks) == len(archive.tasks()), "two tasks share an index"
stages = {}
for t in tasks.values():
    c = stages.setdefault(t.attrs["stage"], {"done": 0, "failed": 0})
    c["done" if t.attrs["status"] == "done" else "failed"] += 1
journaled = status["tasks_from_journal"]  # tasks h5py cannot see yet
for st in status["stages"]:
    c = stages.get(st["name"], {"done": 0, "failed": 0})
    if journaled == 0:
        assert (st["done"], st["failed"]) == (c["done"], c["failed"]), (st, c)
    else:
        assert st["done"] >= c["done"] and st["failed"] >= c["failed"], (st, c)
study = tomllib.loads(run["study_text"])
assert [st["name"] for st in status["stages"]] == [st["name"] for st in study["stage"]]
assert set(stages) <= {st["name"] for st in status["stages"]}, stages
total = status["total"]
for k in ("done", "failed", "pending"):
    assert total[k] == sum(st[k] for st in status["stages"]), (k, total)
assert total["done"] + total["failed"] == len(tasks) + journaled
assert total["done"] + total["failed"] + total["pending"] == status["tasks_in_shard"]
failed = [{"index": i, **{k: t.attrs[k] for k in ("stage", "id", "status", "message")}}
          for i, t in sorted(tasks.items()) if t.attrs["status"] != "done"]
assert status["failed"] == failed, (status["failed"], failed)

for i, t in tasks.items():
    task = plan["tasks"][i]
    assert task["id"] == t.attrs["id"] == t.id and task["stage"] == t.attrs["stage"]
    assert task["axes"] == t.axes, (task, t.axes)
print(f"status --json: agrees with {sys.argv[2]}: {total}")
PY
}
check_status "$work/status.json" "$work/small.h5" "$work/plan.json"
check "$work/status.json" <<'PY'
import json, sys
status = json.load(open(sys.argv[1]))
assert status["total"] == {"done": 16, "failed": 0, "pending": 0}, status["total"]
assert status["tasks_in_shard"] == 16 and status["tasks_from_journal"] == 0 and not status["failed"]
assert [st["name"] for st in status["stages"]] == ["baseline", "rowsum", "rowsum-layers"]
PY

# ---- failed tasks: exit code 1, and messages that JSON must escape ----
cat > "$work/failing.toml" <<'TOML'
name = "failing"
[defaults]
data.name = "synthetic"
data.synthetic = {samples = 600, features = 8, classes = 3}
model.hidden = [12]
train.epochs = 2
eval.levels = [0.1]
eval.repetitions = 1
[[stage]]
name = "baseline"
[stage.grid]
seed = {replicates = 2}
[[stage.variants]]
train.lr = 0.05
[[stage.variants]]
data.name = "idx"
data.dir = "/nonexistent/say \"hi\" \\ back\nnew line\ttab é"
[[stage]]
name = "finetune"
init_from = "baseline"
[stage.grid]
seed = {replicates = 2}
[[stage.variants]]
train.lr = 0.05
[[stage.variants]]
data.name = "idx"
data.dir = "/nonexistent/say \"hi\" \\ back\nnew line\ttab é"
TOML
"$bin" run "$work/failing.toml" -o "$work/failing.h5" --threads 2 > "$work/failing.log" || true
rc=0
"$bin" status "$work/failing.h5" --json > "$work/failing.json" || rc=$?
((rc == 1)) || fail "status --json exited $rc with failed tasks, expected 1 (as without --json)"
"$bin" plan "$work/failing.toml" --json > "$work/failing-plan.json"
check_status "$work/failing.json" "$work/failing.h5" "$work/failing-plan.json"
check "$work/failing.json" <<'PY'
import json, sys
status = json.load(open(sys.argv[1]))
assert status["total"] == {"done": 4, "failed": 4, "pending": 0}, status["total"]
assert [f["stage"] for f in status["failed"]] == ["baseline"] * 2 + ["finetune"] * 2
assert '/nonexistent/say "hi" \\ back\nnew line\ttab é/' in status["failed"][0]["message"]
assert status["failed"][0]["status"] == "failed"
PY
grep -qF '/nonexistent/say \"hi\" \\ back\nnew line\ttab é/' "$work/failing.json" \
  || fail "the message is not escaped as JSON requires: $(cat "$work/failing.json")"

# ---- a shard counts its own tasks ----
"$bin" run "$study" --shard 1/3 -o "$work/shard1.h5" --threads 2 > /dev/null
"$bin" status "$work/shard1.h5" --json > "$work/shard1.json"
check_status "$work/shard1.json" "$work/shard1.h5" "$work/plan.json"
check "$work/shard1.json" <<'PY'
import json, sys
status = json.load(open(sys.argv[1]))
assert status["shard"] == {"index": 1, "count": 3} and status["tasks"] == 16
assert 0 < status["tasks_in_shard"] < 16 and status["total"]["pending"] == 0, status
PY

# ---- a killed sweep: the finished tasks are in the journal, not yet in the archive ----
sed -e 's/^train.epochs = 10$/train.epochs = 2000/' -e 's/^train.epochs = 3$/train.epochs = 400/' \
  "$study" > "$work/long.toml"
"$bin" run "$work/long.toml" -o "$work/long.h5" --threads 1 > "$work/long.log" 2>&1 &
pid=$!
journaled() {
  "$bin" status "$work/long.h5" --json 2> /dev/null \
    | "$python" -c 'import json, sys; print(json.load(sys.stdin)["tasks_from_journal"])' 2> /dev/null \
    || echo 0
}
for _ in $(seq 1 600); do
  (($(journaled) >= 2)) && break
  sleep 0.1
done
kill -KILL "$pid" 2> /dev/null || true  # it may have finished: the checks below say so
wait "$pid" || true
rc=0
"$bin" status "$work/long.h5" --json > "$work/long.json" || rc=$?
((rc == 0)) || fail "status --json exited $rc for a killed sweep without failures"
"$bin" plan "$work/long.toml" --json > "$work/long-plan.json"
check_status "$work/long.json" "$work/long.h5" "$work/long-plan.json"
check "$work/long.json" <<'PY'
import json, sys
status = json.load(open(sys.argv[1]))
assert status["tasks_from_journal"] >= 2, status
assert status["total"]["pending"] > 0, "the sweep finished before it was killed"
PY
"$bin" status "$work/long.h5" > "$work/long.txt"
n=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["tasks_from_journal"])' \
  "$work/long.json")
grep -q "^includes $n task(s) from the journal" "$work/long.txt" \
  || fail "status and status --json disagree on the journal ($n): $(cat "$work/long.txt")"

# ---- errors: a message on stderr, nothing on stdout, exit code 1 ----
rc=0
"$bin" status "$work/none.h5" --json > "$work/out.txt" 2> "$work/err.txt" || rc=$?
if ((rc != 1)) || [[ -s $work/out.txt ]] || ! grep -q "no such archive" "$work/err.txt"; then
  fail "status --json of no archive: exit $rc, stdout '$(cat "$work/out.txt")'"
fi
printf 'name = "broken"\n[[stage]]\nname = "a"\n[stage.settings]\ntrain.lr = "fast"\n' > "$work/broken.toml"
rc=0
"$bin" plan "$work/broken.toml" --json > "$work/out.txt" 2> "$work/err.txt" || rc=$?
if ((rc != 1)) || [[ -s $work/out.txt ]] || ! grep -q "broken.toml" "$work/err.txt"; then
  fail "plan --json of a broken study: exit $rc, stdout '$(cat "$work/out.txt")'"
fi
echo "json_output: all checks passed"
