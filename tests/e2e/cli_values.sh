#!/usr/bin/env bash
# Bad command-line values end with exit code 1 (the documented code for any error) and a
# message that names the option and the accepted values, never a 300-digit range or CLI11's
# own exit codes. --help and --version still exit 0.
bin=${1:?usage: cli_values.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"
study="$root/studies/test-small.toml"

expect() {  # EXPECTED_TEXT COMMAND...
  local expected=$1 status=0
  shift
  "$@" > "$work/out.txt" 2>&1 || status=$?
  ((status == 1)) || fail "'$*' exited $status, expected 1"
  grep -qF -- "$expected" "$work/out.txt" || fail "'$*' says: $(cat "$work/out.txt")"
  (($(wc -c < "$work/out.txt") < 400)) || fail "'$*' prints a wall of text"
}
expect "--threads: must be an integer from 1 to 1024, got '0'" "$bin" run "$study" --threads 0
expect "--threads: must be an integer from 1 to 1024, got '100000'" "$bin" run "$study" --threads 100000
expect "--checkpoint-interval: must be a number > 0, got '0'" "$bin" run "$study" --checkpoint-interval 0
expect "--gflops: must be a number > 0, got 'fast'" "$bin" plan "$study" --gflops fast
expect "--levels: must be a number > 0, got '-1'" "$bin" report x.h5 --levels 0.1,-1
expect "directory" "$bin" train "$work"
# A folder where a file is written: refused while parsing, before anything is written.
mkdir -p "$work/folder"
expect "--html: '$work/folder' is a folder; give the path of a file in it (e.g. $work/folder/report.html)" \
  "$bin" report x.h5 --html "$work/folder"
expect "--csv: '$work/folder' is a folder" "$bin" report x.h5 --csv "$work/folder"
expect "--output: '$work/folder' is a folder" "$bin" merge "$study" -o "$work/folder"
expect "" "$bin" train "$work/missing.toml"
# --set: a bare string gets a quoting hint; a value with a newline is refused, not cut.
cat > "$work/run.toml" << 'TOML'
data.name = "synthetic"
model.hidden = [4]
train.epochs = 1
TOML
expect "--set 'train.optimizer=\"adam\"'" "$bin" train "$work/run.toml" --set train.optimizer=adam
expect "give one --set per setting" "$bin" train "$work/run.toml" --set $'train.epochs=1\ntrain.lr=5'
"$bin" train "$work/run.toml" --set 'train.optimizer="adam"' --quiet > /dev/null \
  || fail "a quoted --set string was refused"
"$bin" --help > /dev/null || fail "--help exited non-zero"
"$bin" --version | grep -q "^build: " || fail "--version does not print the build"
echo "cli_values: all checks passed"
