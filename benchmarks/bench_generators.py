"""Throughput of the paper-exercise generators (run by hand; not a test).

    python benchmarks/bench_generators.py [--variants N] [--roster-size 300]

Prints variants per second per kind and difficulty (cold: first draws in a fresh process
after one warm-up variant, so torch and sympy imports are not counted), then the time to
generate a roster-sized class with sheets and keys in Markdown and Moodle XML.
Targets: >= 1,000 variants/s for the shape and parameter kinds; a 300-student roster with
keys in under 5 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.paper import paper_exercises, write_exercise_set  # noqa: E402

TARGETS = {"conv-output-shape": 1000, "param-count": 1000}


def bench_kind(ex, difficulty: str, n: int) -> float:
    ex.variant(seed=10**6, difficulty=difficulty)  # warm-up: imports, sympy formula caches
    start = time.perf_counter()
    for seed in range(n):
        ex.variant(seed=seed, student=f"s{seed}", difficulty=difficulty)
    return n / (time.perf_counter() - start)


def bench_roster(kind: str, size: int, fmt: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "roster.csv"
        roster.write_text("submission\n" + "".join(f"student{i:04d}\n" for i in range(size)))
        start = time.perf_counter()
        write_exercise_set(kind, out_dir=Path(tmp) / "out", seed=1, roster=roster, fmt=fmt)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=2000, help="variants per kind and difficulty")
    parser.add_argument("--roster-size", type=int, default=300)
    args = parser.parse_args()

    print(f"{'kind':<26}{'easy':>10}{'medium':>10}{'hard':>10}   (variants/s)")
    for name, ex in sorted(paper_exercises().items()):
        n = args.variants if name in TARGETS else max(args.variants // 10, 50)
        rates = [bench_kind(ex, d, n) for d in ("easy", "medium", "hard")]
        flag = ""
        if name in TARGETS:
            flag = "  ok" if min(rates) >= TARGETS[name] else f"  BELOW {TARGETS[name]}/s"
        print(f"{name:<26}" + "".join(f"{r:>10.0f}" for r in rates) + flag)

    print(f"\n{args.roster_size}-student roster, sheet + key + answers template (seconds):")
    for name in sorted(paper_exercises()):
        times = {fmt: bench_roster(name, args.roster_size, fmt) for fmt in ("md", "moodle")}
        flag = "ok" if max(times.values()) < 5 else "ABOVE 5 s"
        print(f"  {name:<26} md {times['md']:.2f}  moodle {times['moodle']:.2f}  {flag}")


if __name__ == "__main__":
    main()
