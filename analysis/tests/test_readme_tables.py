"""Every result the README quotes comes from a committed file: each result table, and each number
of the result sections' marked paragraphs, must equal what analysis/readme_tables.py renders from
the source file named in the comment above it (<!-- table NAME: PATH -->). A failure names the
table or paragraph, its heading, and the differing cell or number; `python3
analysis/readme_tables.py --write` rewrites the README from the sources."""
import subprocess

import pytest

from conftest import ROOT
import readme_tables as rt

README_TEXT = rt.README.read_text(encoding="utf-8")
BLOCKS, TABLES, MARKER_PROBLEMS = rt.scan(README_TEXT)


def test_markers_are_well_formed():
    assert not MARKER_PROBLEMS, "\n".join(MARKER_PROBLEMS)


def test_every_result_table_has_a_source():
    problems = rt.unsourced_tables(TABLES)
    problems += [f"README.md has no section {s!r}" for s in rt.RESULT_SECTIONS
                 if s not in README_TEXT.split("\n")]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: f"{b.kind}-{b.name}")
def test_block_agrees_with_its_source(block):
    problems = rt.block_problems(block)
    assert not problems, ("README.md disagrees with its source (analysis/readme_tables.py --write "
                          "rewrites it):\n" + "\n".join(problems))


def test_each_renderer_is_used_once():
    names = [b.name for b in BLOCKS]
    unused = sorted(n for n in rt.RENDERERS if names.count(n) != 1)
    assert not unused, f"renderers not used exactly once in README.md: {', '.join(unused)}"


def test_sources_are_committed():
    """A README number must come from a file in the repository, not from one lying around."""
    sources = sorted({s for b in BLOCKS for s in b.sources})
    missing = [s for s in sources if not (ROOT / s).is_file()]
    assert not missing, f"source files missing: {', '.join(missing)}"
    if (ROOT / ".git").exists():
        tracked = subprocess.run(["git", "ls-files", "--", *sources], cwd=ROOT, capture_output=True,
                                 text=True, check=True).stdout.split("\n")
        untracked = [s for s in sources if s not in tracked]
        assert not untracked, f"source files not committed: {', '.join(untracked)}"


# --- The check itself: a changed cell or number must fail, naming where -------------------------

def changed(text, block, old, new):
    """The README text with `old` replaced by `new` inside one block only."""
    lines = text.split("\n")
    body = "\n".join(lines[block.start:block.end])
    assert old in body, f"{old!r} not in {block.where()}"
    lines[block.start:block.end] = body.replace(old, new, 1).split("\n")
    return "\n".join(lines)


def block(kind, name):
    found = [b for b in BLOCKS if b.kind == kind and b.name == name]
    assert len(found) == 1, f"README.md has no {kind} {name!r}"
    return found[0]


PROBLEMS = rt.check(README_TEXT)  # the README as it is: the tests below look only at new problems


def new_problems(text):
    return [p for p in rt.check(text) if p not in PROBLEMS]


def test_a_changed_table_cell_fails_with_its_heading_row_and_column():
    table = block("table", "paper-mnist-methods")
    row = rt.split_row(table.lines[3])  # the row-sum fine-tune
    problems = new_problems(changed(README_TEXT, table, row[1], "12.34 ± 0.56"))
    assert len(problems) == 1, problems
    message = problems[0]
    for part in ("### MNIST", "'row-sum fine-tune'", "'clean'", "'12.34 ± 0.56'", repr(row[1]),
                 "analysis/results/paper-mnist/report.csv"):
        assert part in message, f"{part} not in: {message}"


def test_a_changed_prose_number_fails_with_its_claim():
    prose = block("numbers", "paper-mnist-findings")
    problems = new_problems(changed(README_TEXT, prose, "(+16.4 → ", "(+61.4 → "))
    assert len(problems) == 1 and "'+61.4'" in problems[0] and "{all}" in problems[0], problems


def test_a_new_number_without_a_source_fails():
    prose = block("numbers", "paper-mnist-findings")
    problems = new_problems(changed(README_TEXT, prose, "- **Clean accuracy.**",
                                    "- **Clean accuracy** (42 minutes)."))
    assert len(problems) == 1 and "'42'" in problems[0] and "comes from no source" in problems[0], problems


def test_a_result_table_without_a_source_fails():
    text = README_TEXT.replace("## Results on MNIST (seed 1)\n",
                               "## Results on MNIST (seed 1)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", 1)
    problems = rt.check(text)
    assert any("no source comment" in p and "Results on MNIST" in p for p in problems), problems


def test_write_puts_back_the_sources_numbers(tmp_path):
    table = block("table", "paper-mnist-ablation")
    row = rt.split_row(table.lines[2])
    readme = tmp_path / "README.md"
    readme.write_text(changed(README_TEXT, table, row[2], "+1.0 ± 0.0"), encoding="utf-8")
    rt.main(["--write", "--readme", str(readme)])
    assert readme.read_text(encoding="utf-8") == rt.write(README_TEXT)[0]
