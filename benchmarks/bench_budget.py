"""The time budget of a submission: a runaway costs one call time limit, not one per group.

Grades, with the real ``grade_class`` (sandbox on, hidden cases on, fresh OUT, no cache hits):
  (1) one submission whose conv2d_forward loops forever (ignoring SIGTERM), alone, --jobs 1,
      in a process already warm (torch imported): what one runaway costs (start-up, one
      timeout, the other groups failed at once);
  (2) 47 copies of a correct conv2d_forward (each differs by a comment line), --jobs JOBS;
  (3) the same 47 plus 3 of the loops, --jobs JOBS.
Target: (3) <= (2) + 3 x (1), "the time of the 47 plus three single timeouts" (with
``--repeat N``, the fastest of N runs of (2) and of (3), run in turns). Before the
budget, each loop cost one timeout in each of the exercise's 12 groups (12 x 10 s = 120 s);
``--before`` also measures that, on one loop (in-process, with the skipping switched off).

    python benchmarks/bench_budget.py                       # 10 s call limit, 2 jobs
    python benchmarks/bench_budget.py --call-timeout 2 --jobs 2 --before
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORRECT = (ROOT / "solutions" / "conv2d_forward.py").read_text(encoding="utf-8")
# tests/sandbox/hostile/infinite_loop_sigterm.py, as a conv2d-forward submission.
LOOP = '''# cnngrade exercise: conv2d-forward
import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)


def conv2d_forward(x, w, b, stride=1, padding=0):
    while True:
        pass
'''


def _class(folder: Path, *, good: int, loops: int) -> Path:
    """``good + loops`` students s00, s01, ...; the loops spread evenly through the name order
    (so they are not all left for the end, where one worker would wait alone)."""
    folder.mkdir(parents=True)
    total = good + loops
    at = {round((i + 0.5) * total / loops) for i in range(loops)} if loops else set()
    for i in range(total):
        code = LOOP if i in at else f"{CORRECT}\n# copy {i}\n"
        (folder / f"s{i:02d}.py").write_text(code, encoding="utf-8")
    return folder


def _grade(klass: Path, out: Path, *, jobs: int, call_timeout: float, secret_file: Path):
    from grader.batch import grade_class
    from grader.sandbox import SandboxLimits

    start = time.perf_counter()
    graded = grade_class(klass, exercise="conv2d-forward", out_dir=out, jobs=jobs, progress=False,
                         similarity=False, secret_file=secret_file,
                         sandbox_options={"limits": SandboxLimits(call_timeout_s=call_timeout)})
    seconds = time.perf_counter() - start
    return seconds, [(r.submission, r.status, r.verdict, r.duration_s) for r in graded]


def _before(klass: Path, out: Path, *, call_timeout: float, secret_file: Path) -> float:
    """One loop graded the old way: every group calls the child (and times out) again."""
    import dataclasses

    import grader.checker.grading as grading

    original = grading._grade_groups

    def never_skip(exercise, sandbox, engine, **kw):
        # Each group graded as an exercise of its own, so no timeout carries over.
        tests, problems = [], []
        for group in exercise.groups:
            t, p = original(dataclasses.replace(exercise, groups=(group,)), sandbox, engine, **kw)
            tests += t
            problems += p
        return tests, problems

    grading._grade_groups = never_skip  # in this process: hence --jobs 1 (inline)
    try:
        seconds, rows = _grade(klass, out, jobs=1, call_timeout=call_timeout, secret_file=secret_file)
    finally:
        grading._grade_groups = original
    assert rows[0][2] == "timeout", rows
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--call-timeout", type=float, default=10.0, help="SandboxLimits.call_timeout_s (s)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the classes")
    parser.add_argument("--before", action="store_true", help="also time one loop without the budget")
    parser.add_argument("--repeat", type=int, default=1, help="runs of (2) and (3), the fastest kept")
    args = parser.parse_args()

    start_load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="bench-budget-") as tmp:
        tmp = Path(tmp)
        secret = tmp / "course.key"
        secret.write_text("bench-budget-course-key-0123456789\n")
        common = {"call_timeout": args.call_timeout, "secret_file": secret}

        _grade(_class(tmp / "warm", good=1, loops=0), tmp / "out-warm", jobs=1, **common)  # imports
        t1, rows = _grade(_class(tmp / "one", good=0, loops=1), tmp / "out1", jobs=1, **common)
        assert [row[1:3] for row in rows] == [("failed", "timeout")], rows
        c47, c50 = _class(tmp / "c47", good=47, loops=0), _class(tmp / "c50", good=47, loops=3)
        t47 = t50 = float("inf")
        for run in range(args.repeat):
            seconds, rows = _grade(c47, tmp / f"out47-{run}", jobs=args.jobs, **common)
            assert all(row[1] == "passed" for row in rows), rows
            t47 = min(t47, seconds)
            seconds, rows = _grade(c50, tmp / f"out50-{run}", jobs=args.jobs, **common)
            assert [row[2] for row in rows].count("timeout") == 3 and len(rows) == 50, rows
            if seconds < t50:
                t50, loops = seconds, [row[3] for row in rows if row[2] == "timeout"]
        before = (_before(tmp / "one", tmp / "out-before", **common) if args.before else None)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"call limit {args.call_timeout:g} s, jobs {args.jobs}, load average {start_load:.1f} at the start, "
          f"{load:.1f} at the end")
    print(f"(1) one infinite loop alone: {t1:.1f} s")
    print(f"(2) 47 correct: {t47:.1f} s")
    print(f"    each loop inside (3), its own grading time: {', '.join(f'{d:.1f} s' for d in loops)}")
    print(f"(3) 47 correct + 3 loops: {t50:.1f} s; target (2) + 3 x (1) = {t47 + 3 * t1:.1f} s "
          f"(spread over {args.jobs} workers: {t47 + 3 * t1 / args.jobs:.1f} s) -> "
          f"{'met' if t50 <= t47 + 3 * t1 else 'MISSED'}")
    if before is not None:
        print(f"one loop without the budget (every group times out): {before:.1f} s, "
              f"{before / t1:.1f}x the budgeted {t1:.1f} s")


if __name__ == "__main__":
    main()
