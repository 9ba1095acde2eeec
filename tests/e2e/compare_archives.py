#!/usr/bin/env python3
"""Compares the results in two noisesweep archives, bit for bit, with h5py only.

Usage: compare_archives.py A.h5 B.h5 [--expect-tasks N] [--ignore-settings-text]

Either archive may be of format 2 (a committed fixture) or 3 (what the program writes); tasks
are matched by id (archive_h5.py: one record per task). Results are everything a task
computed: status, message, settings, seed, clean accuracy, the training curve (except its
wall-clock seconds), the noise evaluation (each kind's levels and accuracies), the network
statistics, and any stored weights with their model attributes. Who ran it, where and when
(rank, host, times) may differ. --ignore-settings-text leaves out the settings as text (the
task's and its weights'), which lists every setting of the release that wrote it (a later
release with more settings prints more); the task ids still pin the settings. Each archive's
structure is checked too (archive_h5.Archive.problems). Exits 1 and says what differs, or
prints how many tasks matched."""
import argparse
import sys

from archive_h5 import Archive, same

RESULT_ATTRS = ["id", "stage", "index", "status", "message", "settings", "seed", "clean_accuracy"]


def task_problems(task_id, a, b, ta, tb, ignore_settings):
    """How task TASK_ID differs between archives A and B (tasks TA and TB)."""
    problems = []
    for attr in RESULT_ATTRS:
        if ignore_settings and attr == "settings":
            continue
        va, vb = ta.attrs[attr], tb.attrs[attr]
        if not same(va, vb):
            problems.append(f"{task_id}: attribute {attr}: {va!r} != {vb!r}")
    ra, rb = a.results(ta), b.results(tb)
    if ignore_settings:
        ra.pop("weights@settings", None), rb.pop("weights@settings", None)
    if set(ra) != set(rb):
        problems.append(f"{task_id}: results differ in what they hold: {sorted(set(ra) ^ set(rb))}")
    for name in sorted(set(ra) & set(rb)):
        if not same(ra[name], rb[name]):
            problems.append(f"{task_id}: {name} differs")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--expect-tasks", type=int)
    parser.add_argument("--ignore-settings-text", action="store_true")
    args = parser.parse_args()
    problems = []
    with Archive(args.a) as a, Archive(args.b) as b:
        if a.provenance()["study_hash"] != b.provenance()["study_hash"]:
            sys.exit("archives of different studies")
        problems += [f"A: {p}" for p in a.problems()] + [f"B: {p}" for p in b.problems()]
        ta, tb = a.tasks(), b.tasks()
        if set(ta) != set(tb):
            problems.append(f"task sets differ: only in A {sorted(set(ta) - set(tb))[:5]}, "
                            f"only in B {sorted(set(tb) - set(ta))[:5]}")
        if args.expect_tasks is not None and len(ta) != args.expect_tasks:
            problems.append(f"{len(ta)} tasks, expected {args.expect_tasks}")
        for task_id in sorted(set(ta) & set(tb)):
            problems += task_problems(task_id, a, b, ta[task_id], tb[task_id],
                                      args.ignore_settings_text)
    if problems:
        print("\n".join(problems[:20]))
        sys.exit(1)
    print(f"compare_archives: {len(ta)} tasks, identical results")


if __name__ == "__main__":
    main()
