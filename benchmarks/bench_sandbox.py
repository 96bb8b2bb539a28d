"""Sandbox timings, run by hand: ``python benchmarks/bench_sandbox.py [--quick]``.

Measures, for the bubblewrap layer (namespaces) and the portable layer:
- start-up: spawn + numpy import + loading the submission + the first call (median);
- round trip of one call with small arrays (median over many calls);
- a class of 50 submissions, 3 of which loop forever, graded by a pool of 2 processes,
  against the same class without the 3 loops.
Targets (DESIGN issue 4): start-up < 250 ms, round trip < 2 ms, namespaces < +20 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from grader.sandbox import Sandbox, SandboxLimits
from grader.sandbox._isolation import probe

GOOD = "import numpy as np\ndef relu_forward(x):\n    return np.maximum(x, 0)\n"
LOOP = "def relu_forward(x):\n    while True:\n        pass\n"


def startup_s(isolation: str) -> float:
    x = np.ones((4, 5))
    start = time.perf_counter()
    with Sandbox(GOOD, isolation=isolation) as sb:
        assert sb.call("relu_forward", x).ok
        return time.perf_counter() - start


def round_trip_s(isolation: str, calls: int) -> float:
    x = np.random.default_rng(0).normal(size=(4, 5))
    with Sandbox(GOOD, isolation=isolation) as sb:
        sb.call("relu_forward", x)
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            res = sb.call("relu_forward", x)
            times.append(time.perf_counter() - start)
            assert res.ok
    return statistics.median(times)


def grade(args: tuple[str, float]) -> str:
    code, timeout = args
    limits = SandboxLimits(call_timeout_s=timeout)
    rng = np.random.default_rng(1)
    with Sandbox(code, limits=limits) as sb:
        for _ in range(5):
            x = rng.normal(size=(8, 8))
            res = sb.call("relu_forward", x)
            if not res.ok:
                return res.verdict
            assert np.array_equal(res.value, np.maximum(x, 0))
    return "ok"


def klass_s(codes: list[str], timeout: float) -> tuple[float, list[str]]:
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        verdicts = list(pool.map(grade, [(c, timeout) for c in codes]))
    return time.perf_counter() - start, verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    opts = parser.parse_args()
    reps, calls = (5, 200) if opts.quick else (15, 2000)
    layers = ["portable"] + (["auto"] if probe()["bwrap"][0] or probe()["unshare"][0] else [])
    startup = {}
    for iso in layers:
        startup_s(iso)  # warm the page cache
        startup[iso] = statistics.median(startup_s(iso) for _ in range(reps))
        rt = round_trip_s(iso, calls)
        name = "namespaces" if iso == "auto" else "portable"
        print(f"{name:>10}: start-up {startup[iso] * 1e3:6.1f} ms (target < 250), "
              f"round trip {rt * 1e3:5.3f} ms (target < 2)")
    if "auto" in startup:
        extra = (startup["auto"] - startup["portable"]) * 1e3
        print(f"namespaces add {extra:+.1f} ms per submission (target < 20)")
    timeout = 2.0
    t47, v47 = klass_s([GOOD] * 47, timeout)
    codes = [LOOP if i in (7, 23, 41) else GOOD for i in range(50)]
    t50, v50 = klass_s(codes, timeout)
    assert v47 == ["ok"] * 47 and v50.count("timeout") == 3 and v50.count("ok") == 47
    print(f"class of 47 good, pool of 2: {t47:.2f} s; with 3 infinite loops added "
          f"(timeout {timeout:g} s): {t50:.2f} s; 47 + 3 timeouts spread over 2 workers "
          f"= {t47 + 3 * timeout / 2:.2f} s, serialised = {t47 + 3 * timeout:.2f} s")


if __name__ == "__main__":
    main()
