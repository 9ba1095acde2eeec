#!/usr/bin/env bash
# Rebuilds analysis/results/ (reports and figures) from the archives of the paper studies and
# of the studies beyond the paper (hardware-agnostic, depth).
#
#   bash analysis/make_results.sh            # from runs/paper-mnist.h5, runs/paper-fashion.h5
#                                            # and runs/paper-mnist-heatmap.h5
#   bash analysis/make_results.sh --run      # first runs (or resumes) each study on this
#                                            # machine: about an hour on 2 cores
#   bash analysis/make_results.sh paper-mnist                # only these studies
#
# For each study, analysis/results/STUDY/ gets report.md (the ablation tables), report.csv,
# report.html (one page: tables and the figures of figures/) and figures/*.png|svg. The paper
# studies have eleven groups, too many for one legible figure: figures/ compares the methods
# (baseline, row sums, saturation + L2, all terms, noise-aware training), figures/ablation/
# shows the combined stage with each term switched off alone, and ablation_gains shows every
# fine-tuned group. The studies beyond the paper also get protection.csv (the protection
# matrix) and its figure, and the robustness-versus-clean-accuracy trade-off.
#   bash analysis/make_results.sh hardware-agnostic depth
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bin=${NOISESWEEP:-./build/noisesweep}
python=/usr/bin/python3  # Debian's, which has h5py and matplotlib
plots=("$python" analysis/plots.py)
run=false
if [[ ${1:-} == --run ]]; then
  run=true
  shift
fi
studies=("$@")
((${#studies[@]} > 0)) || studies=(paper-mnist paper-mnist-heatmap paper-fashion)

if $run; then
  [[ $(id -u) != 0 ]] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  for study in "${studies[@]}"; do
    mpirun --oversubscribe --bind-to none -np $(($(nproc) + 1)) \
      "$bin" run "studies/$study.toml" -o "runs/$study.h5"
  done
fi

for study in "${studies[@]}"; do
  archive=runs/$study.h5
  [[ -f $archive ]] || { echo "make_results.sh: $archive missing; run with --run first" >&2; exit 1; }
  out=analysis/results/$study
  rm -rf "$out"
  mkdir -p "$out/figures"
  echo "== $study"
  if [[ $study == hardware-agnostic || $study == depth ]]; then
    # The protection matrix first: its figures draw the report's CSV.
    "$bin" report "$archive" --columns all --csv "$out/report.csv" --protection-csv "$out/protection.csv" \
      > /dev/null
    "${plots[@]}" "$archive" --out "$out/figures" --protection "$out/protection.csv" \
      --only protection_matrix tradeoff accuracy_vs_noise ablation_gains
  elif [[ $study == paper-mnist-heatmap ]]; then
    "${plots[@]}" "$archive" --out "$out/figures"
  else
    "${plots[@]}" "$archive" --out "$out/figures" \
      --groups baseline rowsum uncorrelated "both · all terms" noise-aware \
      --only accuracy_vs_noise preactivations hidden_inputs row_sums weight_histograms training_curves
    "${plots[@]}" "$archive" --out "$out/figures" --only ablation_gains
    "${plots[@]}" "$archive" --out "$out/figures/ablation" --groups baseline both \
      --only accuracy_vs_noise preactivations row_sums
  fi
  # The studies beyond the paper have 14 kinds: their page with embedded figures passes 2 MB,
  # too large to keep in the repository; report.md and figures/ hold the same content.
  html=(--html "$out/report.html" --figures "$out/figures")
  [[ $study == hardware-agnostic || $study == depth ]] && html=()
  "$bin" report "$archive" --columns all --csv "$out/report.csv" --protection-csv "$out/protection.csv" \
    "${html[@]}" > "$out/report.md"
done
