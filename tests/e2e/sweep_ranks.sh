#!/usr/bin/env bash
# The test studies on 1 process (no MPI), then 2 and 3 MPI ranks: every result dataset of the
# three archives must be bitwise identical, whatever the rank count and completion order.
bin=${1:?usage: sweep_ranks.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"
# The test study, and the study of the nonidealities (trained and evaluated under every kind).
for study in "$root/studies/test-small.toml" "$root/studies/test-hardware.toml"; do
  name=$(basename "$study" .toml)
  "$bin" run "$study" -o "$work/$name-serial.h5" > "$work/$name-serial.log"
  "${mpi[@]}" -np 2 "$bin" run "$study" -o "$work/$name-np2.h5" > "$work/$name-np2.log"
  "${mpi[@]}" -np 3 "$bin" run "$study" -o "$work/$name-np3.h5" > "$work/$name-np3.log"
  tasks=$("$bin" plan "$study" | sed -n 's/.*: \([0-9]*\) tasks in.*/\1/p')
  compare "$work/$name-serial.h5" "$work/$name-np2.h5" --expect-tasks "$tasks"
  compare "$work/$name-serial.h5" "$work/$name-np3.h5" --expect-tasks "$tasks"
done
# The work really was spread: the 3-rank archive has tasks from both worker ranks.
"$python" - "$work/test-small-np3.h5" <<'PY'
import sys
from archive_h5 import Archive
with Archive(sys.argv[1]) as a:
    ranks = {int(t.attrs["rank"]) for t in a.tasks().values()}
    assert ranks == {1, 2}, f"tasks ran on ranks {ranks}, expected {{1, 2}}"
    assert a.provenance()["ranks"] == 3
PY
echo "sweep_ranks: identical results on 1, 2 and 3 ranks, with and without nonidealities"
