"""Sandbox timings, run by hand: ``python benchmarks/bench_sandbox.py [--quick]``.

Measures, for every layer that works here (portable, linux = the built-in kernel layer,
bwrap = bubblewrap):
- start-up: spawn + walls + numpy import + loading the submission + the first call (median);
- round trip of one call with small arrays (median over many calls);
- what each kernel layer adds to a submission's start-up over the portable layer, and the
  cost of the walls themselves (Landlock + seccomp, in a forked process; the interpreter
  start of the jail stage);
- a class of 50 submissions, 3 of which loop forever, graded by a pool of 2 processes,
  against the same class without the 3 loops (on the strongest layer).
Targets: start-up < 250 ms, round trip < 2 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from grader.sandbox import Sandbox, SandboxLimits
from grader.sandbox import _jail
from grader.sandbox._isolation import kernel_layers

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


def grade(args: tuple[str, float, str]) -> str:
    code, timeout, layer = args
    limits = SandboxLimits(call_timeout_s=timeout)
    rng = np.random.default_rng(1)
    with Sandbox(code, limits=limits, isolation=layer) as sb:
        for _ in range(5):
            x = rng.normal(size=(8, 8))
            res = sb.call("relu_forward", x)
            if not res.ok:
                return res.verdict
            assert np.array_equal(res.value, np.maximum(x, 0))
    return "ok"


def klass_s(codes: list[str], timeout: float, layer: str) -> tuple[float, list[str]]:
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        verdicts = list(pool.map(grade, [(c, timeout, layer) for c in codes]))
    return time.perf_counter() - start, verdicts


def walls_s() -> float:
    """Landlock + seccomp applied in a forked process (what lockdown adds after the mounts)."""
    import os

    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            _jail._prctl(_jail.PR_SET_NO_NEW_PRIVS, 1)
            _jail.apply_landlock(["/"], ["/tmp"])
            _jail.apply_seccomp()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return time.perf_counter() - start


def fork_s() -> float:
    import os

    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return time.perf_counter() - start


def interpreter_s() -> float:
    import subprocess
    import sys

    start = time.perf_counter()
    subprocess.run([sys.executable, "-I", "-S", "-c", "import ctypes, json"], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    opts = parser.parse_args()
    reps, calls = (5, 200) if opts.quick else (15, 2000)
    layers = ["portable"] + kernel_layers()[::-1]
    startup = {}
    for iso in layers:
        startup_s(iso)  # warm the page cache (and the layer's probe)
        startup[iso] = statistics.median(startup_s(iso) for _ in range(reps))
        rt = round_trip_s(iso, calls)
        print(f"{iso:>10}: start-up {startup[iso] * 1e3:6.1f} ms (target < 250), "
              f"round trip {rt * 1e3:5.3f} ms (target < 2)")
    for iso in layers[1:]:
        extra = (startup[iso] - startup["portable"]) * 1e3
        print(f"{iso:>10} adds {extra:+.1f} ms per submission over the portable layer")
    walls = statistics.median(walls_s() - fork_s() for _ in range(reps))
    stage = statistics.median(interpreter_s() for _ in range(reps))
    print(f"Landlock + seccomp: {walls * 1e3:.2f} ms; the jail stage's interpreter start: "
          f"{stage * 1e3:.1f} ms")
    timeout = 2.0
    strongest = layers[-1]
    t47, v47 = klass_s([GOOD] * 47, timeout, strongest)
    codes = [LOOP if i in (7, 23, 41) else GOOD for i in range(50)]
    t50, v50 = klass_s(codes, timeout, strongest)
    assert v47 == ["ok"] * 47 and v50.count("timeout") == 3 and v50.count("ok") == 47
    print(f"class of 47 good on {strongest}, pool of 2: {t47:.2f} s; with 3 infinite loops added "
          f"(timeout {timeout:g} s): {t50:.2f} s; 47 + 3 timeouts spread over 2 workers "
          f"= {t47 + 3 * timeout / 2:.2f} s, serialised = {t47 + 3 * timeout:.2f} s")


if __name__ == "__main__":
    main()
