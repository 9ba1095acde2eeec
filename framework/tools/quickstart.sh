#!/usr/bin/env bash
# The README's first command: install what is missing, build, fetch MNIST and Fashion-MNIST,
# then run the default job: studies/quickstart.toml (the paper's MNIST baseline and its two
# fine-tunings, 3 seeds) on every core, into runs/quickstart.h5, and end with its finding:
# the compact report on the terminal, an HTML report and the figures.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bash framework/tools/install-deps.sh
NOISESWEEP_BUILD_TARGET=noisesweep bash framework/tools/build.sh  # the tests build more
bash framework/tools/fetch-data.sh data
mkdir -p runs
# Open MPI refuses root unless told so.
if [[ $(id -u) == 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
# One rank per core plus the coordinator, which sleeps while it waits.
mpirun --oversubscribe --bind-to none -np $(($(nproc) + 1)) \
  ./build/noisesweep run studies/quickstart.toml -o runs/quickstart.h5
# The finding: the report's CSV files (which the figures read), the figures, then the report
# again: its compact table on the terminal, and one HTML page with every table and figure.
./build/noisesweep report runs/quickstart.h5 > /dev/null 2>&1
/usr/bin/python3 analysis/plots.py runs/quickstart.h5 --out runs/quickstart-figures > /dev/null
./build/noisesweep report runs/quickstart.h5 --html runs/quickstart.html \
  --figures runs/quickstart-figures
echo
echo "quickstart: done. Every result: runs/quickstart.h5"
echo "  report (tables and figures): runs/quickstart.html"
echo "  figures:                     runs/quickstart-figures/"
echo "  every column:                ./build/noisesweep report runs/quickstart.h5 --columns all"
