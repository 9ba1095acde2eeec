#!/usr/bin/env bash
# Archive paths and damaged journals that users meet, each with a message that names the file
# and says what to do, and exit code 1, never a raw HDF5 stack or an "internal error":
#   a folder or a path through a regular file given as the archive; a folder to status/report;
#   a study file changed only in a comment (resumes) or in its tasks (refused, names --reuse);
#   a journal record damaged in the middle (skipped and reported, the rest kept);
#   a journal with a damaged header (status still shows the archive; resume says what to do).
bin=${1:?usage: archive_messages.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"
study="$root/studies/test-small.toml"

expect_error() {  # EXPECTED_TEXT COMMAND...: exit 1 and the text on stderr
  local expected=$1 status=0
  shift
  "$@" > "$work/out.txt" 2> "$work/err.txt" || status=$?
  ((status == 1)) || fail "'$*' exited $status, expected 1: $(cat "$work/err.txt")"
  grep -qF -- "$expected" "$work/err.txt" || fail "'$*' says: $(cat "$work/err.txt")"
  grep -q "internal error" "$work/err.txt" && fail "'$*' reports an internal error"
  return 0
}

mkdir -p "$work/folder"
touch "$work/afile"
expect_error "is a folder" "$bin" run "$study" -o "$work/folder" --threads 1
expect_error "'$work/afile' is a file, not a folder" "$bin" run "$study" -o "$work/afile/x.h5" --threads 1
expect_error "is a folder, not an HDF5 file" "$bin" status "$work/folder"
"$bin" run "$study" -o "$work/a.h5" --threads 2 > /dev/null
expect_error "is a folder" "$bin" report "$work/a.h5" --csv "$work/folder"

# A comment changes no task: the archive resumes (and keeps the new text).
{ echo "# a comment"; cat "$study"; } > "$work/commented.toml"
"$bin" run "$work/commented.toml" -o "$work/a.h5" --threads 2 > "$work/resume.log"
grep -q "none of its tasks did" "$work/resume.log" || fail "no note about the changed text"
grep -q "resuming: 16 tasks already finished" "$work/resume.log" || fail "the commented study did not resume"
# A changed setting changes tasks: refused, naming what to do.
sed 's/^train.epochs = 10$/train.epochs = 11/' "$study" > "$work/changed.toml"
expect_error "--reuse" "$bin" run "$work/changed.toml" -o "$work/a.h5" --threads 1

# A journal with a record damaged in the middle: the full disk leaves a journal of whole
# records; one byte in its middle is flipped.
mount_point="$work/small"
mkdir -p "$mount_point"
if [[ $(id -u) == 0 ]] && mount -t tmpfs -o size=300k tmpfs "$mount_point"; then
  "$bin" run "$study" -o "$mount_point/t.h5" --threads 1 > /dev/null 2>&1 || true
  cp "$mount_point/t.h5" "$mount_point/t.h5.journal" "$work/"
  umount "$mount_point"
else
  fail "cannot mount a tmpfs (needs root)"
fi
journaled=$("$bin" status "$work/t.h5" | awk '$1 == "total" { print $2 }')
size=$(stat -c %s "$work/t.h5.journal")
printf '\xff' | dd of="$work/t.h5.journal" bs=1 seek=$((size / 2)) conv=notrunc status=none
"$bin" status "$work/t.h5" > "$work/status.txt" || true
grep -q "warning: .*skipped" "$work/status.txt" || fail "status does not report the damaged record"
after=$(awk '$1 == "total" { print $2 }' "$work/status.txt")
((after == journaled - 1)) || fail "status counts $after of $journaled tasks after damaging one"
"$bin" run "$study" -o "$work/t.h5" --threads 2 > "$work/resume.log"
grep -q "warning: .*skipped" "$work/resume.log" || fail "the resume does not report the damaged record"
grep -q "resuming: $after tasks already finished" "$work/resume.log" || fail "resume lost whole records"

# A damaged journal header: status shows the archive and says what to do; run refuses.
"$bin" run "$study" -o "$work/h.h5" --threads 2 > /dev/null
cp "$work/t.h5.journal" "$work/h.h5.journal" 2> /dev/null || true
printf 'XXXXXXXX' | dd of="$work/h.h5.journal" bs=1 seek=0 conv=notrunc status=none
"$bin" status "$work/h.h5" > "$work/status.txt" || fail "status fails on a damaged journal header"
grep -q "warning: .*not a noisesweep journal.*mv .*h.h5.journal" "$work/status.txt" \
  || fail "status does not say what to do: $(cat "$work/status.txt")"
expect_error "mv $work/h.h5.journal" "$bin" run "$study" -o "$work/h.h5" --threads 1
echo "archive_messages: all checks passed"
