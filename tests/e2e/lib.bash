# Shared by the end-to-end scripts (sourced, not a test of its own).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Open MPI refuses root unless told; CI runs as root.
if [[ $(id -u) == 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
mpi=(mpirun --oversubscribe)
python=/usr/bin/python3  # Debian's, which has h5py
# The checks' own archive reader (archive_h5.py), for `"$python" -` and `-c` snippets too.
export PYTHONPATH="$root/tests/e2e${PYTHONPATH:+:$PYTHONPATH}"
fail() { echo "FAIL: $*" >&2; exit 1; }
compare() { "$python" "$root/tests/e2e/compare_archives.py" "$@"; }
