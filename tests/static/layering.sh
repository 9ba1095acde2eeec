#!/usr/bin/env bash
# The modules' layering, read from the includes: the task record sits below everything that
# stores or sends it, and the archive does not depend on the sweep that feeds it.
#   record/   may not include sweep/, archive/, report/ or cli/
#   archive/  may not include sweep/, report/ or cli/
#   report/   may not include sweep/ or cli/
#   sweep/    may not include report/ or cli/
set -euo pipefail
framework=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../framework" && pwd)
status=0
check() {  # MODULE FORBIDDEN...
  local module=$1
  shift
  [[ -d "$framework/$module" ]] || { echo "FAIL: no module $module" >&2; status=1; return; }
  for forbidden in "$@"; do
    if grep -rn "#include \"$forbidden/" "$framework/$module"; then
      echo "FAIL: $module/ includes $forbidden/ (above)" >&2
      status=1
    fi
  done
}
check record sweep archive report cli
check archive sweep report cli
check report sweep cli
check sweep report cli
((status == 0)) && echo "layering: record < archive < report; archive and report do not include sweep"
exit $status
