#!/usr/bin/env bash
# End to end: `noisesweep train` on synthetic data, its printed accuracy, the saved HDF5
# weights read back with the HDF5 command-line tools, restarting from them, and bad input.
set -euo pipefail
bin=${1:?usage: train_cli.sh PATH/TO/noisesweep}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat > "$work/run.toml" <<'TOML'
seed = 2
[data]
name = "synthetic"
synthetic = {samples = 2400, features = 20, classes = 4}
[model]
hidden = [32, 16]
[train]
epochs = 8
lr = 0.05
[eval]
levels = [0.01, 1.0]
TOML

"$bin" train "$work/run.toml" --save-weights "$work/w.h5" > "$work/out.txt"
cat "$work/out.txt"
accuracy=$(sed -n 's/^clean test accuracy: \([0-9.]*\)%.*/\1/p' "$work/out.txt")
[[ -n "$accuracy" ]] || fail "no clean accuracy printed"
awk -v a="$accuracy" 'BEGIN { exit !(a >= 85 && a <= 100) }' || fail "accuracy $accuracy% out of range"
grep -q "epoch   8/8" "$work/out.txt" || fail "no progress line for the last epoch"
grep -Eq "^ +1 +[0-9.]+ ± [0-9.]+ +[0-9.]+ ± " "$work/out.txt" || fail "no noise table row for variance 1"

# The weights file, read by HDF5's own tools: shapes are (out, in) per layer.
h5ls -r "$work/w.h5" > "$work/h5ls.txt"
cat "$work/h5ls.txt"
grep -Eq "^/layers/0/W +Dataset \{32, 20\}" "$work/h5ls.txt" || fail "layer 0 W is not 32x20"
grep -Eq "^/layers/1/W +Dataset \{16, 32\}" "$work/h5ls.txt" || fail "layer 1 W is not 16x32"
grep -Eq "^/layers/2/b +Dataset \{4\}" "$work/h5ls.txt" || fail "output bias is not 4 long"
h5dump -a /format "$work/w.h5" | grep -q '"noisesweep-weights"' || fail "format attribute missing"
h5dump -a /activation "$work/w.h5" | grep -q '"sigmoid"' || fail "activation attribute missing"

# Restarting from the file without training reproduces the same clean accuracy.
"$bin" train "$work/run.toml" --set train.epochs=0 --set "train.init_from=\"$work/w.h5\"" \
  --quiet > "$work/again.txt"
again=$(sed -n 's/^clean test accuracy: \([0-9.]*\)%.*/\1/p' "$work/again.txt")
[[ "$again" == "$accuracy" ]] || fail "reloaded weights give $again%, trained $accuracy%"

# Bad input: a clear message naming file, line and key, and a non-zero exit.
printf '[reg]\nlamda = 0.1\n' > "$work/typo.toml"
if "$bin" train "$work/typo.toml" 2> "$work/err.txt"; then fail "a typo was accepted"; fi
grep -q "typo.toml:2:1: 'reg.lamda': unknown setting; did you mean 'reg.lambda'?" "$work/err.txt" \
  || fail "unexpected typo message: $(cat "$work/err.txt")"
printf '[train]\ninit_from = "%s/none.h5"\n' "$work" > "$work/missing.toml"
if "$bin" train "$work/missing.toml" 2> "$work/err.txt"; then fail "a missing init_from was accepted"; fi
grep -q "does not exist" "$work/err.txt" || fail "unexpected message: $(cat "$work/err.txt")"
# --set replaces it before the run is checked: the missing file does not matter then.
sed "s|^epochs = 8|epochs = 0\ninit_from = \"$work/none.h5\"|" "$work/run.toml" > "$work/stale.toml"
"$bin" train "$work/stale.toml" --set "train.init_from=\"$work/w.h5\"" > /dev/null 2> "$work/err.txt" \
  || fail "--set train.init_from did not replace the run file's missing one: $(cat "$work/err.txt")"
# Weights with a NaN: refused at loading, naming the file and the layer (not "diverged").
cp "$work/w.h5" "$work/nan.h5"
/usr/bin/python3 -c "import h5py,sys; d=h5py.File(sys.argv[1], 'r+')['layers/1/W']; d[0, 2] = float('nan')" "$work/nan.h5"
if "$bin" train "$work/run.toml" --set "train.init_from=\"$work/nan.h5\"" > /dev/null 2> "$work/err.txt"; then
  fail "weights with a NaN were accepted"
fi
grep -q "nan.h5:/layers/1/W: holds a non-finite value (nan)" "$work/err.txt" \
  || fail "unexpected message: $(cat "$work/err.txt")"
echo "train_cli: all checks passed"
