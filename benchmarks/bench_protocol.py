"""What a submission's calls cost beyond its own compute, and whether a pipelined replay would
pay (issue 14), run by hand: ``python benchmarks/bench_protocol.py [--quick]``.

``grade`` calls a correct loop conv2d-forward 321 times (its public and hidden cases), one
round trip each: the grading process writes the request, the child computes and replies, the
grading process compares, then writes the next. A pipelined replay would write a search's
recorded requests ahead and compare the replies as they come back.

1. **The protocol's CPU**: the same 321 calls answered by a child that returns each
   precomputed output at once: the grading process's CPU and the child's (its own
   ``getrusage``), per submission.
2. **Round trips against a pipeline, as a pool grades**: ``--jobs`` processes side by side,
   each starting ``--subs`` children of the correct loop and making the 321 calls either one
   round trip at a time (``Sandbox.call``, as ``grade`` does) or with every request written
   ahead and the replies read as they arrive (an emulation of a pipelined replay on the same
   pipes, through the sandbox's own reader; comparisons left out on both sides). Wall time
   per submission and core, and the grading processes' CPU; alternating rounds, medians.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import selectors
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, machine, write_json  # noqa: E402
from bench_throughput import CORRECT, correct_functions, recorded_calls  # noqa: E402

sys.path.insert(0, str(ROOT))  # this tree's grader, installed or not

# Answers each call with the next precomputed output: what is left is the protocol.
_ANSWERING = """
import resource
import numpy as np

def setup(*outputs):
    global _outputs, _next
    _outputs, _next = list(outputs), 0

def conv2d_forward(*args, **kwargs):
    global _next
    _next += 1
    return _outputs[_next - 1]

def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return np.array(usage.ru_utime + usage.ru_stime)
"""


def protocol_cpu(layer: str, calls: list, rounds: int) -> dict:
    """Grading-process and child CPU seconds of the calls, answered at once (median of rounds)."""
    from grader.sandbox import Sandbox

    namespace = correct_functions()
    outputs = [namespace[name](*args, **kwargs) for name, args, kwargs in calls]
    own, child = [], []
    for _ in range(rounds):
        with Sandbox(_ANSWERING, isolation=layer) as sandbox:
            assert sandbox.call("setup", *outputs).ok
            before = float(sandbox.call("cpu_seconds").value)
            started = time.process_time()
            for name, args, kwargs in calls:
                assert sandbox.call(name, *args, **kwargs).ok
            own.append(time.process_time() - started)
            child.append(float(sandbox.call("cpu_seconds").value) - before)
    return {"grading_process_cpu_s": statistics.median(own), "child_cpu_s": statistics.median(child)}


def _round_trips(sandbox, calls: list) -> None:
    for name, args, kwargs in calls:
        assert sandbox.call(name, *args, **kwargs).ok


def _pipelined(sandbox, calls: list) -> None:
    """Every request written ahead (as far as the pipe takes it), replies read as they come.
    The correct loop prints nothing, so its stdout and stderr never wake the selector."""
    from grader.sandbox import _wire
    from grader.sandbox.sandbox import _ReplyReader

    assert sandbox.load().ok
    pending = memoryview(b"".join(_wire.frame(*_wire.encode_call(name, args, kwargs))
                                  for name, args, kwargs in calls))
    limit = sandbox.limits.max_return_bytes
    selector, reader, answered = sandbox._selector, _ReplyReader(expect_value=True, max_bytes=limit), 0
    selector.register(sandbox._req_w, selectors.EVENT_WRITE, "request")
    while answered < len(calls):
        events = selector.select(timeout=10)
        if not events:
            raise SystemExit("the child stopped answering")
        for key, _ in events:
            if key.data == "request":
                pending = pending[os.write(sandbox._req_w, pending):]
                if not pending:
                    selector.unregister(sandbox._req_w)
            elif key.data == "reply":
                while answered < len(calls):
                    try:
                        if not reader._step(sandbox._resp_r):
                            continue
                    except BlockingIOError:
                        break
                    assert reader.header.get("ok") is True, reader.header
                    _wire.build_value(reader.header, reader.specs, reader.payload)
                    answered += 1
                    reader = _ReplyReader(expect_value=True, max_bytes=limit)


def _worker(mode: str, layer: str, calls: list, subs: int, queue) -> None:
    from grader.sandbox import Sandbox

    code = CORRECT.read_text(encoding="utf-8")
    started_cpu = time.process_time()
    for _ in range(subs):
        with Sandbox(code, isolation=layer) as sandbox:
            (_round_trips if mode == "round trips" else _pipelined)(sandbox, calls)
    queue.put(time.process_time() - started_cpu)


def pool_run(mode: str, layer: str, calls: list, jobs: int, subs: int) -> tuple[float, float]:
    """(wall seconds per submission and core, grading-process CPU seconds per submission)."""
    context = multiprocessing.get_context("fork")  # the calls reach the children without pickling
    queue = context.Queue()
    workers = [context.Process(target=_worker, args=(mode, layer, calls, subs, queue)) for _ in range(jobs)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    cpu = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0, f"a {mode} worker failed"
    wall = time.perf_counter() - started
    return wall / subs, sum(cpu) / (jobs * subs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--subs", type=int, default=10, help="submissions per process per round (default 10)")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--quick", action="store_true", help="one round of 2 submissions: a smoke run")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    runs, subs = (1, 2) if args.quick else (args.runs, args.subs)
    results: dict = {"machine": machine(), "jobs": args.jobs, "subs": subs}
    print(f"machine: {results['machine']}")
    from grader.sandbox import preflight

    layer = preflight("kernel")
    calls = recorded_calls(layer)
    results.update(layer=layer, calls=len(calls))

    cpu = results["protocol_cpu"] = protocol_cpu(layer, calls, max(runs, 3))
    print(f"the protocol of {len(calls)} calls ({layer}), answered at once: grading process "
          f"{cpu['grading_process_cpu_s'] * 1000:.0f} ms of CPU, child {cpu['child_cpu_s'] * 1000:.0f} ms", flush=True)

    modes = ("round trips", "pipelined")
    seen: dict[str, list[tuple[float, float]]] = {mode: [] for mode in modes}
    for _ in range(runs):
        for mode in modes:
            seen[mode].append(pool_run(mode, layer, calls, args.jobs, subs))
    for mode in modes:
        wall = statistics.median(w for w, _ in seen[mode])
        own = statistics.median(c for _, c in seen[mode])
        results[mode] = {"wall_per_submission_s": wall, "grading_process_cpu_s": own,
                         "runs_wall_s": [w for w, _ in seen[mode]]}
        print(f"{mode:<12} {args.jobs} side by side: {wall * 1000:.0f} ms per submission per process "
              f"(runs {', '.join(f'{w * 1000:.0f}' for w, _ in seen[mode])}); grading process "
              f"{own * 1000:.0f} ms of CPU", flush=True)
    gain = results["round trips"]["wall_per_submission_s"] / results["pipelined"]["wall_per_submission_s"]
    results["pipelined_speedup"] = gain
    print(f"pipelined against round trips: x{gain:.2f}")
    write_json(args.json, results)


if __name__ == "__main__":
    main()
