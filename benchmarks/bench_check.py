"""Check-time benchmark: how long a student waits for `cnngrade check`.

1. `cnngrade check` on a correct loop-based conv2d-forward, as a fresh process each time
   (interpreter start, torch import, sandbox start and grading included): the README figure,
   target under 5 s.
2. In-process grading time per exercise for its model solution and for one buggy file
   (a failing group adds shrinking and diagnosis).

    python benchmarks/bench_check.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "tests" / "checker" / "submissions"
EXERCISES = ("conv2d_forward", "conv2d_backward", "maxpool2d", "avgpool2d", "relu", "linear",
             "batchnorm2d", "dropout", "residual_block")


def cli_runs(runs: int) -> list[float]:
    target = SUBMISSIONS / "conv2d_forward" / "correct_loops.py"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "cli", "check", str(target)], cwd=ROOT,
                              capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            sys.exit(f"cnngrade check failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return times


def in_process() -> list[tuple[str, str, float, str]]:
    sys.path.insert(0, str(ROOT))
    from grader.checker import check_submission

    rows = []
    for module in EXERCISES:
        buggy = sorted((SUBMISSIONS / module).glob("bug_*.py"))
        for path in [ROOT / "solutions" / f"{module}.py", *buggy[:1]]:
            started = time.perf_counter()
            result = check_submission(path)
            rows.append((module, path.stem, time.perf_counter() - started, f"{result.score:g}/{result.max_score:g}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh `cnngrade check` processes to time")
    args = parser.parse_args()
    times = cli_runs(args.runs)
    print(f"cnngrade check correct_loops.py (conv2d-forward), {args.runs} fresh processes: "
          f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s")
    print("\nin-process grading (torch already imported after the first row):")
    for module, stem, seconds, score in in_process():
        print(f"  {module:16s} {stem:40s} {seconds:6.2f} s  {score}")


if __name__ == "__main__":
    main()
