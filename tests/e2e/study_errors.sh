#!/usr/bin/env bash
# Bad study files stop `plan` and `run` before any work, with the same message: file, line,
# key and what is wrong; and no archive is created.
bin=${1:?usage: study_errors.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"

check() {  # name, expected message fragment, study text
  printf '%s\n' "$3" > "$work/$1.toml"
  local -a plan=(plan "$work/$1.toml") run=(run "$work/$1.toml" -o "$work/$1.h5")
  for cmd in plan run; do
    local -n args=$cmd
    if "$bin" "${args[@]}" > /dev/null 2> "$work/err.txt"; then
      fail "$1: '$cmd' accepted a bad study"
    fi
    grep -qF "$2" "$work/err.txt" || fail "$1 ($cmd): expected '$2', got: $(cat "$work/err.txt")"
  done
  [[ ! -e "$work/$1.h5" ]] || fail "$1: an archive was created"
  echo "ok: $1: $(cat "$work/err.txt")"
}

check typo "typo.toml:4:5: 'reg.lamda': unknown setting; did you mean 'reg.lambda'?" 'name = "t"
[defaults]
data.name = "synthetic"
reg.lamda = 1
[grid]
seed = {replicates = 2}'
check empty_axis "'reg.lambda'" 'name = "t"
[grid]
"reg.lambda" = []'
check missing_stage "init_from" 'name = "t"
[[stage]]
name = "finetune"
init_from = "baseline"'
check bad_type "train.epochs" 'name = "t"
[grid]
"train.epochs" = ["ten"]'
check dot_name "'name': '.' is not a valid name" 'name = "."'
check dotdot_name "'name': '..' is not a valid name" 'name = ".."'
echo "study_errors: all checks passed"
