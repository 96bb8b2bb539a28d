"""Cold-start latency of the commands people type, each a fresh process (issue 14's targets).

Rows: ``check`` of a correct loop conv2d-forward (with the user cache warm, the steady
state after a student's first check, and with the cache off); ``inspect resnet152``; ``new
exercise KIND --roster`` (300 students) for every paper kind (and the hard architecture
trace, which asks about named models), cache warm, and two of them with the cache off;
``list``; every verb's
``--help``. Each command runs once per tree untimed first (bytecode and caches), then
``--runs`` rounds alternate the trees. Medians, min-max, and with ``--before`` the ratio.

    python benchmarks/bench_coldstart.py --before /tmp/before --json coldstart.json
    python benchmarks/bench_coldstart.py --quick          # one round, three paper kinds
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (ROOT, add_common_arguments, interleaved, machine, ratio, row, run_timed, summary,  # noqa: E402
                     trees_from, write_json)

CORRECT = ROOT / "tests" / "checker" / "submissions" / "conv2d_forward" / "correct_loops.py"
TARGETS = {"check": "<= 1.5 s", "inspect": "<= 1.5 s", "new": "<= 1.5 s", "list": "<= 0.3 s", "help": "<= 0.3 s"}


def _paper_kinds(tree: Path) -> set[str]:
    out = subprocess.run([sys.executable, "-m", "cli", "list"], cwd=tree, capture_output=True, text=True,
                         env={**__import__("os").environ, "PYTHONPATH": str(tree)}, check=True).stdout
    return {line.split()[0] for line in out.splitlines()[1:] if line.split()[1:2] == ["paper"]}


def _verbs(tree: Path) -> set[str]:
    out = subprocess.run([sys.executable, "-m", "cli", "--help"], cwd=tree, capture_output=True, text=True,
                         env={**__import__("os").environ, "PYTHONPATH": str(tree)}, check=True).stdout
    commands = out.split("Commands:", 1)[1].splitlines()
    return {line.split()[0] for line in commands if line.startswith("  ") and line.split()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser, runs=3)
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    trees = trees_from(args)
    work = Path(tempfile.mkdtemp(prefix="cnngrade-bench-coldstart-"))
    roster = work / "roster.csv"
    with roster.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", "name", "email"])
        writer.writerows([f"s{i:03d}", f"Student {i}", f"s{i:03d}@example.edu"] for i in range(300))
    kinds = sorted(set.intersection(*(_paper_kinds(t) for t in trees.values())))
    verbs = sorted(set.intersection(*(_verbs(t) for t in trees.values())))
    if args.quick:
        kinds = kinds[:3]
    # Each tree has a cache folder of its own; "off" is the cold cache.
    caches = {name: {"CNNGRADE_CACHE": str(work / f"cache-{name}")} for name in trees}
    commands: list[tuple[str, str, list[str], str, bool]] = [
        ("check", "check correct_loops.py, cache warm", ["cnngrade", "check", str(CORRECT)], "check", True),
        ("check-cold", "check correct_loops.py, cache off", ["cnngrade", "check", str(CORRECT)], "", False),
        ("inspect", "inspect resnet152", ["cnngrade", "inspect", "resnet152"], "inspect", True),
        *[(f"new:{k}", f"new exercise {k} --roster (300)",
           ["cnngrade", "new", "exercise", k, "--roster", str(roster), "--seed", "7", "--force", "-o", str(work / "new")],
           "new", True) for k in kinds],
        # Cache warm like the rows above (sympy's formulas, the named models' analyses), then
        # the cache off: what a first run on a fresh machine costs.
        *[(f"new{'' if cached else '-cold'}:{k}{'-hard' if hard else ''}",
           f"new exercise {k}{' --difficulty hard' if hard else ''} --roster (300)"
           f"{'' if cached else ', cache off'}",
           ["cnngrade", "new", "exercise", k, "--roster", str(roster), "--seed", "7", "--force", "-o",
            str(work / "new"), *(["--difficulty", "hard"] if hard else [])], "new" if cached else "", cached)
          for k, hard, cached in (("architecture-trace", True, True), ("architecture-trace", True, False),
                                  ("param-count", False, False)) if k in kinds],
        ("list", "list", ["cnngrade", "list"], "list", True),
        ("help", "--help", ["cnngrade", "--help"], "help", True),
        *[(f"help:{v}", f"{v} --help", ["cnngrade", v, "--help"], "help", True) for v in verbs],
    ]
    results = {"machine": machine(), "trees": {n: str(t) for n, t in trees.items()}, "rows": {}}
    print(f"machine: {results['machine']}")
    for key, label, argv, target, cached in commands:
        def env(name):
            return caches[name] if cached else {"CNNGRADE_CACHE": "off"}

        for name, tree in trees.items():  # untimed: bytecode, the user cache
            run_timed(argv, tree=tree, env=env(name))
        times = interleaved(trees, runs, lambda name, tree: run_timed(argv, tree=tree, env=env(name)))
        results["rows"][key] = {"label": label, "target": TARGETS.get(target, ""),
                                **{name: summary(t) for name, t in times.items()},
                                "ratio": ratio(times.get("before"), times["after"]),
                                "cpu_ratio": ratio(times.get("cpu:before"), times["cpu:after"])}
        print(row(label, times, TARGETS.get(target, "")), flush=True)
    for group in ("new", "help"):
        keys = [k for k in results["rows"] if k == group or k.startswith(group + ":")]
        worst = max(results["rows"][k]["after"]["median_s"] for k in keys)
        ratios = [results["rows"][k]["ratio"] for k in keys if results["rows"][k]["ratio"]]
        print(f"{group}: slowest median {worst:.2f} s over {len(keys)} commands"
              + (f", ratios x{min(ratios):.1f}-x{max(ratios):.1f} (median x{statistics.median(ratios):.1f})"
                 if ratios else ""))
    write_json(args.json, results)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
