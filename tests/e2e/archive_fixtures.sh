#!/usr/bin/env bash
# Archives outlive releases. Every committed fixture set (tests/fixtures/archives/<release>/,
# written by that release with tests/fixtures/make_fixtures.sh) must, with this build:
#   status    count what the archive and its journal hold (checked against h5py and a scan of
#             the journal's record frames),
#   merge     keep every task, journal-only ones included, under this release's task ids,
#   run       resume the interrupted sweep, computing only the missing tasks,
#   --reuse   copy every finished task into a larger study (one more seed),
#   report    tabulate the complete archive.
bin=${1:?usage: archive_fixtures.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"

fixtures="$root/tests/fixtures"
study="$work/tests/fixtures/study.toml"  # the path the archives name, from a working folder
mkdir -p "$(dirname "$study")"
cd "$work"

count_tasks() {  # archive tasks + journal records (frames "NSJR" u64 length u64 checksum)
  "$python" - "$1" << 'EOF'
import os, struct, sys
from archive_h5 import Archive
path = sys.argv[1]
with Archive(path) as a:
    ids = set(a.tasks())
journal = path + ".journal"
if os.path.exists(journal):
    data = open(journal, "rb").read()
    at = 8 + 4 + 32  # header: magic, version, study hash
    while at + 20 <= len(data):
        magic, length, _ = struct.unpack_from("<IQQ", data, at)
        assert magic == 0x524A534E, "not a record frame"
        payload = data[at + 20 : at + 20 + length]
        # The payload: u32 magic "NSTR", u32 version, then the task id (u64 length + bytes).
        assert payload[:4] == b"NSTR", "not a task record"
        (n,) = struct.unpack_from("<Q", payload, 8)
        ids.add(payload[16 : 16 + n].decode())  # the same id scheme as the archive's tasks
        at += 20 + length
print(len(ids))
EOF
}
plan_ids() { "$bin" plan "$1" --rows 0 | awk '$1 ~ /^[0-9]+$/ { print $3 }' | sort; }
archive_ids() {  # 8-digit prefixes, as plan prints them
  "$python" -c "import sys; from archive_h5 import Archive
[print(i[:8]) for i in Archive(sys.argv[1]).tasks()]" "$1" | sort
}
format_of() { "$python" -c "import sys; from archive_h5 import Archive; print(Archive(sys.argv[1]).version)" "$1"; }

this_build=$("$bin" --version | sed -n 's/^build: //p')
sets=0
for set in "$fixtures"/archives/*/; do
  name=$(basename "$set")
  # A set written from a study of its own (a newer release's settings) keeps it beside its
  # archives; the others share tests/fixtures/study.toml.
  if [[ -f "$set/study.toml" ]]; then cp "$set/study.toml" "$study"; else cp "$fixtures/study.toml" "$study"; fi
  sed 's/^seed = {replicates = 2}$/seed = {replicates = 3}/' "$study" > "$work/grown.toml"
  plan_ids "$study" > "$work/study.ids"
  plan_ids "$work/grown.toml" > "$work/grown.ids"
  tasks=$(wc -l < "$work/study.ids")
  rm -rf "$work/run" && mkdir "$work/run"
  cp "$set"/*.h5* "$work/run/"
  complete="$work/run/complete.h5" interrupted="$work/run/interrupted.h5"

  # status
  "$bin" status "$complete" > "$work/status.txt" || fail "$name: status of the complete archive failed"
  grep -Eq "^total +$tasks +0 +0$" "$work/status.txt" || fail "$name: status: $(cat "$work/status.txt")"
  held=$(count_tasks "$interrupted")
  ((held > 0 && held < tasks)) || fail "$name: the interrupted fixture holds $held of $tasks tasks"
  "$bin" status "$interrupted" > "$work/status.txt" || true
  grep -Eq "^total +$held +0 +$((tasks - held))$" "$work/status.txt" \
    || fail "$name: status of the interrupted archive: $(cat "$work/status.txt")"

  # merge: journal-only tasks kept, ids of this release
  "$bin" merge "$interrupted" "$complete" -o "$work/run/merged.h5" > /dev/null
  archive_ids "$work/run/merged.h5" | cmp -s - "$work/study.ids" \
    || fail "$name: merged task ids are not this release's ids of the study"
  [[ $(format_of "$work/run/merged.h5") == 3 ]] || fail "$name: merge did not write format 3"
  # Readers that follow the parent link in the settings text (analysis/) find the parent.
  "$python" - "$work/run/merged.h5" << 'EOF' || fail "$name: a parent link names no task"
import re, sys
from archive_h5 import Archive
tasks = Archive(sys.argv[1]).tasks()
links = [re.search(r'task:([0-9a-f]+)', t.attrs["settings"]) for t in tasks.values()]
parents = [m.group(1) for m in links if m]
assert parents and all(p in tasks for p in parents), parents
EOF
  "$bin" merge "$interrupted" -o "$work/run/partial.h5" > /dev/null
  [[ $(archive_ids "$work/run/partial.h5" | wc -l) == "$held" ]] || fail "$name: merge lost journaled tasks"
  comm -23 <(archive_ids "$work/run/partial.h5") "$work/study.ids" | grep -q . \
    && fail "$name: merge kept ids that are not this release's"

  # report
  "$bin" report "$complete" > "$work/report.md" || fail "$name: report failed"
  grep -q "baseline" "$work/report.md" && grep -q "rowsum" "$work/report.md" \
    || fail "$name: the report lacks the stages"

  # resume: only the missing tasks are computed. The fixture's tasks come from another build
  # (or one that did not record itself): mixing them with this build's needs saying so.
  fixture_builds=$("$python" -c "import sys; from archive_h5 import Archive; \
print(sorted({t.attrs.get('build', '') for t in Archive(sys.argv[1]).tasks().values()}))" "$complete")
  if [[ "$fixture_builds" != "['$this_build']" ]]; then
    if "$bin" run "$study" -o "$interrupted" --threads 2 > "$work/refused.log" 2>&1; then
      fail "$name: resuming tasks of another build was not refused"
    fi
    grep -q -- "--allow-mixed-builds" "$work/refused.log" \
      || fail "$name: unclear refusal of mixed builds: $(cat "$work/refused.log")"
  fi
  "$bin" run "$study" -o "$interrupted" --threads 2 --allow-mixed-builds > "$work/resume.log" \
    || { cat "$work/resume.log"; fail "$name: the interrupted sweep does not resume"; }
  grep -q "^resuming: $held tasks already finished" "$work/resume.log" \
    || fail "$name: the resume did not find the $held finished tasks: $(head -3 "$work/resume.log")"
  archive_ids "$interrupted" | cmp -s - "$work/study.ids" || fail "$name: resumed ids differ"
  [[ $(format_of "$interrupted") == 3 ]] || fail "$name: the resumed archive was not rewritten as format 3"

  # --reuse into a grown study
  "$bin" run "$work/grown.toml" -o "$work/run/grown.h5" --reuse "$complete" --threads 2 \
    --allow-mixed-builds \
    > "$work/reuse.log" || fail "$name: --reuse failed"
  grep -q "reused $tasks finished task(s)" "$work/reuse.log" \
    || fail "$name: --reuse did not copy every task: $(grep reused "$work/reuse.log")"
  archive_ids "$work/run/grown.h5" | cmp -s - "$work/grown.ids" || fail "$name: grown ids differ"
  echo "$name: status, merge, report, resume ($held of $tasks tasks kept) and --reuse work"
  sets=$((sets + 1))
done
((sets >= 1)) || fail "no fixture archives in $fixtures/archives"
echo "archive_fixtures: all checks passed ($sets fixture sets)"
