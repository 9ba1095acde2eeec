#!/usr/bin/env bash
# `noisesweep report` on real archives: the test study run in one process, then its compact
# default view (checked against the CSV, every line within 100 characters), its full Markdown
# (one table per stage), its CSV (loaded with Python's csv module: one row per group), the HTML
# page with an embedded PNG, the options, and a study with failing tasks whose failures the
# report shows rather than drops.
bin=${1:?usage: report_cli.sh PATH/TO/noisesweep}
source "$(dirname "$0")/lib.bash"

"$bin" run "$root/studies/test-small.toml" -o "$work/small.h5" > "$work/run.log" ||
  { cat "$work/run.log"; fail "run of the test study failed"; }

# Markdown on stdout, the CSV next to the archive by default.
"$bin" report "$work/small.h5" --columns all > "$work/report.md" 2> "$work/report.err" ||
  { cat "$work/report.err"; fail "report exited $?"; }
cat "$work/report.md"
grep -q "^# Ablation report: test-small$" "$work/report.md" || fail "no title"
grep -q "^- tasks: 16 (16 done, 0 failed, 0 pending)$" "$work/report.md" || fail "task counts"
grep -q "requested 0.01, 0.1, 1; used 0.01, 0.1, 1 " "$work/report.md" || fail "levels used"
[[ $(grep -c "^## Stage " "$work/report.md") == 3 ]] || fail "not one section per stage"
[[ $(grep -c "^|---" "$work/report.md") == 4 ]] || fail "not one table per stage and the protection matrix"
grep -q "^## Protection matrix$" "$work/report.md" || fail "no protection matrix"
[[ -s "$work/small_protection.csv" ]] || fail "no protection matrix CSV"
grep -q "^| data.synthetic.separation | reg.lambda | n | clean | AddUnc@0.01 |" "$work/report.md" ||
  fail "rowsum table header"
grep -Eq "^\| 2 \| 2 \| [0-9.]+ ± [0-9.]+ \(n=2\) \|" "$work/report.md" || fail "baseline row format"
grep -Eq "^\| hidden 2 only \| \[1, 0\] \| 2 \| [0-9.]+ ± " "$work/report.md" || fail "labelled variant row"
grep -Eq "\| [+-][0-9.]+ ± [0-9.]+ \(n=2\) \|" "$work/report.md" || fail "no improvement with CI"
grep -q "Δ compares with the parent tasks in stage baseline." "$work/report.md" || fail "pairing note"
grep -q "wrote $work/small_report.csv" "$work/report.err" || fail "CSV path not reported"

"$python" - "$work/small_report.csv" <<'PY' || fail "the CSV is not what pandas would need"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
# One row per group: 2 separations, 2 separations x 2 lambdas, 2 row-sum variants.
assert len(rows) == 2 + 4 + 2, len(rows)
assert [r["stage"] for r in rows] == ["baseline"] * 2 + ["rowsum"] * 4 + ["rowsum-layers"] * 2
assert [r["reg.rowsum"] for r in rows[6:]] == ["[1, 0]", "[0, 30]"], [r["reg.rowsum"] for r in rows]
# Labelled variants carry their label (unquoted); other stages leave the column empty.
assert [r["label"] for r in rows] == [""] * 6 + ["hidden 2 only", "output only"], [r["label"] for r in rows]
for r in rows:
    assert r["done"] == "2" and r["failed"] == "0" and r["clean_n"] == "2", r
    m, s, lo, hi = (float(r["clean_" + p]) for p in ("mean", "std", "ci_low", "ci_high"))
    assert 0 <= m <= 100 and s >= 0 and lo <= m <= hi, r
    assert 0 <= float(r["auc_AddCor_mean"]) <= 100
for r in rows[2:]:
    g = float(r["gain_AddCor@1_mean"])
    lo, hi = float(r["gain_AddCor@1_ci_low"]), float(r["gain_AddCor@1_ci_high"])
    assert lo <= g <= hi and r["compared_with"] == "baseline", r
    assert not math.isnan(float(r["gain_auc_AddUnc_mean"]))
assert rows[0]["gain_AddCor@1_mean"] == "" and rows[0]["gain_AddCor@1_n"] == "0"
print("CSV:", len(rows), "rows,", len(rows[0]), "columns")
PY

# The compact default: one table set for the study, each cell the accuracy at the kind's highest
# level and the gain over the parent with its interval, as the CSV has them; no line over 100.
"$bin" report "$work/small.h5" > "$work/compact.md" 2> /dev/null || fail "compact report exited $?"
cat "$work/compact.md"
"$python" - "$work/compact.md" "$work/small_report.csv" <<'PY' || fail "the compact report"
import csv, re, sys
lines = open(sys.argv[1]).read().splitlines()
assert max(len(l) for l in lines) <= 100, max(lines, key=len)
rows = list(csv.DictReader(open(sys.argv[2], newline="")))
# Cells by (stage, group label, column) from every table block.
cells, header = {}, None
for line in lines:
    if not line.startswith("|") or line.startswith("|--"):
        continue
    parts = [p.strip() for p in line.strip("|").split("|")]
    if parts[0] == "stage":
        header = parts
        continue
    for name, value in zip(header[2:], parts[2:]):
        cells[(parts[0], parts[1], name)] = value
groups = {(s, g) for s, g, _ in cells}
assert len(groups) == len(rows) == 8, groups
expected_groups = {("baseline", "separation = 2"), ("rowsum", "separation = 3, lambda = 0.01"),
                   ("rowsum-layers", "hidden 2 only"), ("rowsum-layers", "output only")}
assert expected_groups <= groups, groups
def group_of(r):
    if r["label"]:
        return r["label"]
    parts = [f"separation = {r['data.synthetic.separation']}"]
    if r["reg.lambda"]:
        parts.append(f"lambda = {r['reg.lambda']}")
    return ", ".join(parts)
for r in rows:
    key = (r["stage"], group_of(r))
    assert cells[key + ("n",)] == r["done"], key
    assert cells[key + ("clean",)] == f"{float(r['clean_mean']):.1f}", key
    for kind in ("AddUnc", "AddCor", "MulUnc", "MulCor"):
        cell = cells[key + (f"{kind}@1",)]
        m = re.fullmatch(r"([0-9.]+)(?: \(([+-][0-9.]+) ± ([0-9.]+)\))?", cell)
        assert m, cell
        assert m.group(1) == f"{float(r[f'{kind}@1_mean']):.1f}", (key, kind, cell)
        if r["stage"] == "baseline":
            assert m.group(2) is None, cell
        else:
            gain = float(r[f"gain_{kind}@1_mean"])
            half = float(r[f"gain_{kind}@1_ci_high"]) - gain
            assert abs(float(m.group(2)) - gain) <= 0.05 + 1e-9, (cell, gain)
            assert abs(float(m.group(3)) - half) <= 0.05 + 1e-9, (cell, half)
print("compact:", len(rows), "groups,", len(lines), "lines")
PY

# plan on a 100-column terminal: the task table keeps to it and names the columns it leaves out;
# through a pipe, every column.
script -qc "stty cols 100; $bin plan $root/studies/hardware-agnostic.toml --rows 5" /dev/null \
  | tr -d '\r' > "$work/plan-tty.txt"
awk 'length($0) > 100 { bad = 1; print "too long: " $0 } END { exit bad }' "$work/plan-tty.txt" \
  || fail "plan on a terminal passes 100 columns"
grep -Eq "^\.\.\. [0-9]+ more columns: .* and [0-9]+ more$" "$work/plan-tty.txt" \
  || fail "plan does not say which columns it left out: $(cat "$work/plan-tty.txt")"
"$bin" plan "$root/studies/hardware-agnostic.toml" --rows 5 | grep -q "train.noise.OutputNoise" \
  || fail "piped, plan leaves out columns"
# status on the same terminal: its long lines (the build's description) wrap.
script -qc "stty cols 100; $bin status $work/small.h5" /dev/null | tr -d '\r' > "$work/status-tty.txt"
awk 'length($0) > 100 { bad = 1; print "too long: " $0 } END { exit bad }' "$work/status-tty.txt" \
  || fail "status on a terminal passes 100 columns"
grep -q "^total  *16  *0  *0$" "$work/status-tty.txt" || fail "status on a terminal: $(cat "$work/status-tty.txt")"

# HTML with a figure: a real 1x1 PNG written with zlib, embedded as a data URL.
mkdir "$work/figs"
"$python" - "$work/figs/accuracy.png" <<'PY'
import struct, sys, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(png)
PY
"$bin" report "$work/small.h5" --csv "$work/other.csv" --html "$work/r.html" \
  --figures "$work/figs" > /dev/null || fail "report --html exited $?"
[[ -s "$work/other.csv" ]] || fail "--csv ignored"
grep -q "<table>" "$work/r.html" || fail "no HTML table"
grep -q '<img src="data:image/png;base64,iVBORw0KGgo' "$work/r.html" || fail "PNG not embedded"
grep -q "<figcaption>accuracy.png</figcaption>" "$work/r.html" || fail "no caption"
"$python" - "$work/r.html" "$work/figs/accuracy.png" <<'PY' || fail "embedded PNG differs"
import base64, re, sys
html = open(sys.argv[1]).read()
data = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
assert base64.b64decode(data) == open(sys.argv[2], "rb").read()
PY

# Options: columns, levels, grouping, baseline; and errors that say what is wrong.
"$bin" report "$work/small.h5" --columns clean,improvement --levels 0.1 --group-by stage \
  --csv "$work/o.csv" > "$work/opts.md" || fail "report with options exited $?"
grep -q "^| n | clean | Δ AddUnc@0.1 | Δ AddCor@0.1 | Δ MulUnc@0.1 | Δ MulCor@0.1 | Δ AUC AddUnc |" \
  "$work/opts.md" || fail "--columns/--levels/--group-by"
grep -Eq "^\| 8 \| [0-9.]+ ± [0-9.]+ \(n=8\) \|" "$work/opts.md" || fail "--group-by stage row"
"$bin" report "$work/small.h5" --baseline baseline --columns all --csv "$work/b.csv" > "$work/base.md" ||
  fail "--baseline exited $?"
grep -q "This is the baseline stage: no Δ." "$work/base.md" || fail "--baseline note"
status=0
"$bin" report "$work/small.h5" --baseline nope 2> "$work/err.txt" > /dev/null || status=$?
((status == 1)) || fail "a wrong --baseline exited $status, expected 1"
grep -q "baseline stage 'nope' is not a stage of study 'test-small'" "$work/err.txt" ||
  fail "unclear --baseline error: $(cat "$work/err.txt")"
status=0
"$bin" report "$work/small.h5" --figures "$work/figs" > /dev/null 2>&1 || status=$?
((status != 0)) || fail "--figures without --html accepted"

# Failed tasks are counted in their row and listed with their messages, never dropped.
sed -e 's/^name = "test-small"/name = "with-failures"/' \
  "$root/studies/test-small.toml" > "$work/failing.toml"
cat >> "$work/failing.toml" <<'TOML'

[[stage]]
name = "broken"
[stage.settings]
train.epochs = 2
[stage.grid]
seed = {replicates = 2}
[[stage.variants]]
train.lr = 0.05
[[stage.variants]]
data.name = "idx"
data.dir = "/nonexistent/data"
TOML
status=0
"$bin" run "$work/failing.toml" -o "$work/failing.h5" > "$work/failing.log" || status=$?
((status == 1)) || { cat "$work/failing.log"; fail "run exited $status, expected 1"; }
"$bin" report "$work/failing.h5" --columns all > "$work/failing.md" || fail "report of failures exited $?"
cat "$work/failing.md"
grep -q "^- tasks: 20 (18 done, 2 failed, 0 pending)$" "$work/failing.md" || fail "failure counts"
grep -q '^| 0.01 | idx | /nonexistent/data | 0 (failed: 2) | — |' "$work/failing.md" ||
  fail "the failed group's row"
grep -q '^| 0.05 | synthetic | data | 2 | [0-9.]* ± ' "$work/failing.md" || fail "the done group's row"
grep -q "^Failed tasks (2):$" "$work/failing.md" || fail "no failure list"
for task in "18 (seed = 0" "19 (seed = 1"; do
  grep -q "^- task $task, train.lr = 0.01, data.name = \"idx\", data.dir = \"/nonexistent/data\") failed: /nonexistent/data/train-images-idx3-ubyte: file not found" \
    "$work/failing.md" || fail "task $task...) not listed with its message"
done
head -1 "$work/failing_report.csv" | grep -q "^stage,data.synthetic.separation,reg.lambda,label,reg.rowsum,train.lr,data.name,data.dir,tasks,done,failed,pending,compared_with,clean_mean,clean_std,clean_n,clean_ci_low,clean_ci_high,AddUnc@0.01_mean," ||
  fail "CSV header: $(head -c 300 "$work/failing_report.csv")"
"$python" - "$work/failing_report.csv" <<'PY' || fail "failures in the CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
broken = [r for r in rows if r["stage"] == "broken"]
assert [(r["done"], r["failed"], r["clean_n"], r["clean_mean"]) for r in broken] == \
    [("2", "0", "2", broken[0]["clean_mean"]), ("0", "2", "0", "")], broken
PY
echo "report_cli: all checks passed"
