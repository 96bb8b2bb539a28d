"""Batch throughput of ``cnngrade grade`` against the per-submission floor of this machine.

1. **The floor** (this tree, in process): what one correct loop conv2d-forward costs at the
   least when ``grade`` grades it, public and hidden cases: the child's start (spawn, walls,
   numpy, load), the submission's own compute on every call ``grade`` makes (run here,
   in process, without the sandbox), and the torch reference on the same calls. A class
   cannot go faster than ``cores / floor`` submissions per second.
2. **A class of correct loop solutions** (``--class-size`` copies, each with a comment of
   its own), ``cnngrade grade`` in a fresh process with ``--jobs`` = cores, a fresh OUT and
   the fixture secret: wall time, submissions per second, and the share of the floor's rate
   reached (the whole command: start, self-test, outputs and report included); then, for
   this tree, a class three times as large: what one more submission costs (the rate of a
   large class, start-up amortised).
3. **The same class plus ``--loops`` infinite loops**, in process (``grade_class`` with a
   ``--call-limit`` s call limit, so both trees take the same option): the loops should cost
   only their timeouts, ``loops * limit / jobs`` on top of the class.

Trees alternate (``--before DIR``), medians of ``--runs``.

    python benchmarks/bench_throughput.py --before /tmp/before --json throughput.json
    python benchmarks/bench_throughput.py --quick
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (ROOT, add_common_arguments, interleaved, machine, ratio, row, run_timed, summary,  # noqa: E402
                     trees_from, write_json)

CORRECT = ROOT / "tests" / "checker" / "submissions" / "conv2d_forward" / "correct_loops.py"
KEY = ROOT / "tests" / "batch" / "test-course.key"
EXERCISE = "conv2d-forward"
LOOP = "# cnngrade exercise: conv2d-forward\ndef conv2d_forward(x, w, b=None, stride=1, padding=0):\n    while True:\n        pass\n"


class _Recorder:
    """A sandbox that forwards to a real one and keeps every call."""

    def __init__(self, sandbox):
        self.sandbox, self.calls = sandbox, []

    def call(self, name, *args, **kwargs):
        self.calls.append((name, args, kwargs))
        return self.sandbox.call(name, *args, **kwargs)


def recorded_calls(layer: str) -> list[tuple]:
    """(name, args, kwargs) of every call ``grade`` makes to a correct loop conv2d-forward
    (public and hidden cases), recorded through a real sandbox on ``layer``."""
    sys.path.insert(0, str(ROOT))
    from grader.checker import code_exercises
    from grader.checker.grading import grade_in_sandbox
    from grader.sandbox import Sandbox

    with Sandbox(CORRECT.read_text(encoding="utf-8"), isolation=layer) as sandbox:
        recorder = _Recorder(sandbox)
        secret = KEY.read_text(encoding="utf-8").strip()
        result = grade_in_sandbox(code_exercises()[EXERCISE], recorder, submission="floor",
                                  defined={"conv2d_forward"}, secret=secret)
        assert result.status == "passed", result.feedback
    return recorder.calls


def correct_functions() -> dict:
    """The correct loop's functions, run in this process (the corpus's own file, trusted)."""
    namespace: dict = {}
    exec(compile(CORRECT.read_text(encoding="utf-8"), str(CORRECT), "exec"), namespace)
    return namespace


def floor(samples: int) -> dict:
    """The per-submission floor, measured in this process on this tree."""
    sys.path.insert(0, str(ROOT))
    from grader.checker import code_exercises
    from grader.reference.device import single_threaded
    from grader.sandbox import Sandbox, preflight

    layer = preflight("kernel")
    code = CORRECT.read_text(encoding="utf-8")
    starts = []
    for _ in range(samples):
        started = time.perf_counter()
        with Sandbox(code, isolation=layer) as sandbox:
            assert sandbox.load().ok
        starts.append(time.perf_counter() - started)
    spec = code_exercises()[EXERCISE]
    calls = recorded_calls(layer)
    namespace = correct_functions()
    own, reference = [], []
    for _ in range(samples):
        started = time.perf_counter()
        for name, args, kwargs in calls:
            namespace[name](*args, **kwargs)
        own.append(time.perf_counter() - started)
        with single_threaded():
            started = time.perf_counter()
            for name, args, kwargs in calls:
                spec.references[name](*args, **kwargs)
            reference.append(time.perf_counter() - started)
    parts = {"child_start_s": statistics.median(starts), "own_compute_s": statistics.median(own),
             "reference_s": statistics.median(reference)}
    per_submission = sum(parts.values())
    cores = len(os.sched_getaffinity(0))
    return {**parts, "calls": len(calls), "layer": layer, "per_submission_s": per_submission,
            "cores": cores, "floor_rate_per_s": cores / per_submission}


def make_class(folder: Path, size: int, loops: int = 0) -> Path:
    folder.mkdir(parents=True)
    code = CORRECT.read_text(encoding="utf-8")
    for i in range(size):
        (folder / f"s{i:03d}.py").write_text(f"{code}\n# copy {i}\n", encoding="utf-8")
    for i in range(loops):
        (folder / f"loop{i}.py").write_text(f"{LOOP}# loop {i}\n", encoding="utf-8")
    return folder


_IN_PROCESS = """
import sys
from grader.batch import grade_class
from grader.sandbox import SandboxLimits
graded = grade_class(sys.argv[1], exercise="conv2d-forward", out_dir=sys.argv[2], jobs=int(sys.argv[3]),
                     secret_file=sys.argv[4], progress=False,
                     sandbox_options={"limits": SandboxLimits(call_timeout_s=float(sys.argv[5]))})
assert len(graded) == int(sys.argv[6]), len(graded)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser, runs=3)
    parser.add_argument("--class-size", type=int, default=28, help="correct submissions in the class (default 28)")
    parser.add_argument("--loops", type=int, default=2, help="infinite loops added in scenario 3 (0: skip it)")
    parser.add_argument("--call-limit", type=float, default=3.0, help="call limit of scenario 3, seconds")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    runs, size = (1, min(args.class_size, 8)) if args.quick else (args.runs, args.class_size)
    trees = trees_from(args)
    work = Path(tempfile.mkdtemp(prefix="cnngrade-bench-throughput-"))
    results = {"machine": machine(), "trees": {n: str(t) for n, t in trees.items()}, "jobs": args.jobs,
               "class_size": size}
    print(f"machine: {results['machine']}")

    results["floor"] = measured = floor(3 if args.quick else 10)
    print(f"floor per submission ({measured['layer']}, {measured['calls']} calls): child start "
          f"{measured['child_start_s'] * 1000:.0f} ms + own compute {measured['own_compute_s'] * 1000:.0f} ms + "
          f"reference {measured['reference_s'] * 1000:.0f} ms = {measured['per_submission_s'] * 1000:.0f} ms; "
          f"{measured['cores']} cores: {measured['floor_rate_per_s']:.2f} submissions/s at most", flush=True)

    klass = make_class(work / "class", size)
    counter = iter(range(10 ** 6))

    # The machine's speed drifts (a shared host): the floor is measured again just before
    # each of this tree's runs, and each run's share is taken against its own floor.
    floors: list[float] = []

    def grade_cli(name, tree):
        if name == "after":
            floors.append(floor(3)["floor_rate_per_s"])
        out = work / f"out-{name}-{next(counter)}"
        seconds = run_timed(["cnngrade", "grade", str(klass), "--exercise", EXERCISE, "--out", str(out),
                             "--jobs", str(args.jobs), "--secret-file", str(KEY), "--quiet"], tree=tree)
        shutil.rmtree(out, ignore_errors=True)
        return seconds

    for name, tree in trees.items():  # untimed: bytecode
        grade_cli(name, tree)
    floors.clear()
    times = interleaved(trees, runs, grade_cli)
    shares = [size / seconds / rate for seconds, rate in zip(times["after"], floors)]
    # Wall time only: the pool's workers are the fork server's children, which this process
    # never waits for, so their CPU seconds escape getrusage.
    results["class"] = {"ratio": ratio(times.get("before"), times["after"])}
    print(row(f"grade {size} correct loops, --jobs {args.jobs}", times, cpu=False))
    for name in trees:
        rate = size / statistics.median(times[name])
        results["class"][name] = {**summary(times[name]), "rate_per_s": rate,
                                  "share_of_floor": rate / measured["floor_rate_per_s"]}
        print(f"  {name}: {rate:.2f} submissions/s, {100 * rate / measured['floor_rate_per_s']:.0f}% of the "
              f"floor's rate (start-up, self-test and outputs included)")
    results["class"]["after"]["share_of_own_floor"] = statistics.median(shares)
    print(f"  after, each run against the floor measured just before it: {100 * statistics.median(shares):.0f}% "
          f"(runs: {', '.join(f'{100 * x:.0f}%' for x in shares)})")

    # The rate of a large class: what one more submission costs (this tree, a class 3x the size).
    big = make_class(work / "class-3x", 3 * size)
    out = work / "out-3x"
    big_floor = floor(3)["floor_rate_per_s"]
    big_s = run_timed(["cnngrade", "grade", str(big), "--exercise", EXERCISE, "--out", str(out), "--jobs",
                       str(args.jobs), "--secret-file", str(KEY), "--quiet"], tree=ROOT)
    marginal = (big_s - statistics.median(times["after"])) / (2 * size)
    whole = 3 * size / big_s / big_floor
    results["marginal"] = {"class_3x_s": big_s, "class_3x_share_of_floor": whole, "per_submission_s": marginal,
                           "rate_per_s": 1 / marginal, "share_of_floor": 1 / marginal / big_floor}
    print(f"  after, {3 * size} submissions: {big_s:.1f} s ({100 * whole:.0f}% of the floor measured just "
          f"before it, whole command); one more submission costs {marginal * 1000:.0f} ms "
          f"({1 / marginal:.2f}/s, {100 / marginal / big_floor:.0f}% of that floor)")

    if args.loops:
        with_loops = make_class(work / "class-loops", size, args.loops)

        def grade_loops(name, tree):
            out = work / f"out-loops-{name}-{next(counter)}"
            seconds = run_timed([sys.executable, "-c", _IN_PROCESS, str(with_loops), str(out), str(args.jobs),
                                 str(KEY), str(args.call_limit), str(size + args.loops)], tree=tree)
            shutil.rmtree(out, ignore_errors=True)
            return seconds

        loop_times = interleaved(trees, runs, grade_loops)
        extra = args.loops * args.call_limit / args.jobs
        results["with_loops"] = {"loops": args.loops, "call_limit_s": args.call_limit,
                                 "timeouts_only_s": extra,
                                 **{name: {**summary(loop_times[name]),
                                           "over_class_s": statistics.median(loop_times[name]) - statistics.median(times[name])}
                                    for name in trees}}
        print(row(f"same + {args.loops} infinite loops ({args.call_limit:g} s limit)", loop_times, cpu=False))
        for name in trees:
            print(f"  {name}: {results['with_loops'][name]['over_class_s']:+.1f} s over the class; the timeouts "
                  f"alone: {extra:.1f} s")
    write_json(args.json, results)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
