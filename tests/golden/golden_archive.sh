#!/usr/bin/env bash
# Bitwise reproducibility across machines and time: the x86-64-v3 build recomputes the committed
# golden archive (tests/fixtures/golden/golden.h5, written by the same preset on another day and
# possibly another CPU) and every result must match bit for bit: ids, accuracies, curves, noise
# arrays, statistics and weights. It runs under mpirun with 3 ranks, so the rank count and the
# order of tasks are checked too. Usage: golden_archive.sh PATH/TO/noisesweep-x86-64-v3
bin=${1:?usage: golden_archive.sh PATH/TO/noisesweep-x86-64-v3}
source "$(dirname "$0")/../e2e/lib.bash"

for flag in avx2 fma bmi2; do
  grep -qw "$flag" /proc/cpuinfo || fail "this CPU lacks $flag, which the x86-64-v3 build needs"
done
"$bin" --version | grep -q "ISA x86-64-v3;" || fail "$bin is not an x86-64-v3 build"
golden="$root/tests/fixtures/golden"
mkdir -p "$work/tests/fixtures/golden"
cp "$golden/study.toml" "$work/tests/fixtures/golden/"
cd "$work"  # the archive names the study by its path from the repository's root
"${mpi[@]}" -np 3 "$bin" run tests/fixtures/golden/study.toml -o "$work/again.h5" > "$work/run.log"
echo "golden archive written by: $("$python" -c "import h5py,sys; a=h5py.File(sys.argv[1]).attrs; \
print(a['numeric_build'], 'on', list(a['hosts']), 'commit', a['git_commit'][:8])" "$golden/golden.h5")"
echo "recomputed by: $("$bin" --version | sed -n 's/^build: //p') on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
compare "$golden/golden.h5" "$work/again.h5" --ignore-settings-text
echo "golden_archive: every result is bitwise identical"
