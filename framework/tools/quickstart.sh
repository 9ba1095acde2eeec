#!/usr/bin/env bash
# The README's first command: install what is missing, build, fetch MNIST and Fashion-MNIST,
# then run the default job: the paper's baseline on MNIST, with its weights kept for fine-tuning.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bash framework/tools/install-deps.sh
bash framework/tools/build.sh
bash framework/tools/fetch-data.sh data
mkdir -p runs
./build/noisesweep train studies/runs/mnist-baseline.toml --save-weights runs/mnist-baseline.h5 \
  | tee runs/mnist-baseline.log
echo "quickstart: done; results in runs/mnist-baseline.log, weights in runs/mnist-baseline.h5"
