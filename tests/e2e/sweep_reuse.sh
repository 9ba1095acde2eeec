#!/usr/bin/env bash
# `run --reuse`: a grown study (a third seed replicate, and a changed learning rate in its last
# stage) copies the tasks it shares with the old archive instead of computing them again. The
# result equals the grown study run from scratch, the copied tasks keep their original times,
# the archive says where they came from, and resuming keeps saying it.
bin=${1:?usage: sweep_reuse.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"
old=$root/studies/test-small.toml
grown=$work/grown.toml
# 3 replicates instead of 2 everywhere; the last stage ("rowsum-layers") fine-tunes at 2e-3.
sed -e 's/replicates = 2/replicates = 3/' "$old" |
  awk '/name = "rowsum-layers"/ {last = 1} last && /^train.lr = / {$0 = "train.lr = 2e-3"} {print}' > "$grown"
grep -q 'train.lr = 2e-3' "$grown" || fail "the grown study was not written"

"$bin" run "$old" -o "$work/old.h5" > /dev/null
"$bin" run "$grown" -o "$work/fresh.h5" > /dev/null
"$bin" run "$grown" -o "$work/grown.h5" --reuse "$work/old.h5" > "$work/grown.log" ||
  { cat "$work/grown.log"; fail "run --reuse exited $?"; }
cat "$work/grown.log"
# Old: baseline 2x2, rowsum 2x2x2, rowsum-layers 2x2 = 16. Shared: the 4 baselines and 8 row-sum
# tasks of replicates 0 and 1; the 4 rowsum-layers tasks changed their learning rate.
grep -q "^reused 12 finished task(s) from $work/old.h5 (skipped: 4 not tasks of this study)$" \
  "$work/grown.log" || fail "reuse counts"
grep -q "^archive written: .* (24 of 24 tasks finished, 0 failed)" "$work/grown.log" || fail "grown run"
compare "$work/fresh.h5" "$work/grown.h5" --expect-tasks 24

"$python" - "$work/old.h5" "$work/grown.h5" <<'PY' || fail "reused tasks or provenance"
import sys
from archive_h5 import Archive, same
old, grown = (Archive(p) for p in sys.argv[1:])
sources = grown.provenance()["reused_from"]
assert len(sources) == 1 and sources[0].startswith(sys.argv[1] + ": study test-small (hash "), sources
old_tasks, grown_tasks = old.tasks(), grown.tasks()
copied = [t for t in old_tasks if t in grown_tasks]
assert len(copied) == 12, len(copied)
for t in copied:  # copied, not recomputed: the same start time, to the bit
    assert same(old_tasks[t].attrs["started"], grown_tasks[t].attrs["started"]), t
assert old.provenance()["reused_from"] == []
PY

# Records without what this study keeps (here: no network statistics) are computed again.
{ cat "$old"; printf '[archive]\nstats = false\n'; } > "$work/nostats.toml"
"$bin" run "$work/nostats.toml" -o "$work/nostats.h5" > /dev/null
"$bin" run "$old" -o "$work/again.h5" --reuse "$work/nostats.h5" > "$work/again.log"
grep -q "^reused 0 finished task(s) from $work/nostats.h5 (skipped: 16 without the weights or statistics kept here)$" \
  "$work/again.log" || fail "records without statistics: $(cat "$work/again.log")"
compare "$work/old.h5" "$work/again.h5" --expect-tasks 16
"$python" -c "import sys; from archive_h5 import Archive
assert Archive(sys.argv[1]).provenance()['reused_from'] == []" "$work/again.h5" ||
  fail "an archive that reused nothing names a source"

# Resuming the archive (nothing left to do) keeps its sources; reusing it into itself is refused.
"$bin" run "$grown" -o "$work/grown.h5" > /dev/null
"$python" -c "import sys; from archive_h5 import Archive
assert len(Archive(sys.argv[1]).provenance()['reused_from']) == 1" "$work/grown.h5" ||
  fail "resume lost reused_from"
status=0
"$bin" run "$grown" -o "$work/grown.h5" --reuse "$work/grown.h5" > /dev/null 2> "$work/err.txt" || status=$?
((status == 1)) || fail "reusing the archive being written: exit $status"
grep -q "that is the archive being written" "$work/err.txt" || fail "unclear error: $(cat "$work/err.txt")"
echo "sweep_reuse: all checks passed"
