"""A class with infinite loops among good submissions, graded by a pool of 2 processes.

Only correctness and a loose bound are asserted here; the 50-submission timing lives in
benchmarks/bench_sandbox.py.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from grader.sandbox import Sandbox, SandboxLimits

GOOD = "import numpy as np\ndef relu_forward(x):\n    return np.maximum(x, 0)\n"
LOOP = "def relu_forward(x):\n    while True:\n        pass\n"
TIMEOUT_S = 1.0


def grade_one(code: str) -> tuple[str, bool, float]:
    """What a batch worker does: three calls, each compared with the reference here."""
    start = time.monotonic()
    rng = np.random.default_rng(1)
    limits = SandboxLimits(call_timeout_s=TIMEOUT_S, load_timeout_s=10.0, total_timeout_s=5.0)
    with Sandbox(code, limits=limits) as sb:
        for _ in range(3):
            x = rng.normal(size=(4, 5))
            res = sb.call("relu_forward", x)
            if not res.ok:
                return res.verdict, False, time.monotonic() - start
            if not np.array_equal(res.value, np.where(x > 0, x, 0.0)):
                return "wrong", False, time.monotonic() - start
    return "ok", True, time.monotonic() - start


def test_loops_cost_their_timeout_and_no_more():
    """9 submissions (3 loop forever) in a pool of 2 worker processes: the 6 good ones
    pass, the 3 loops time out once each (the first timeout stops them), and the whole
    class takes less than running everything one after another with each loop charged
    its timeout (a generous bound: a hung worker or a cascade would break it)."""
    codes = [LOOP if i in (1, 4, 7) else GOOD for i in range(9)]
    start = time.monotonic()
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(grade_one, codes))
    wall = time.monotonic() - start
    verdicts = [r[0] for r in results]
    assert verdicts == ["timeout" if c is LOOP else "ok" for c in codes]
    loop_times = [r[2] for r, c in zip(results, codes) if c is LOOP]
    assert all(TIMEOUT_S <= t < TIMEOUT_S + 3.0 for t in loop_times)
    serial = sum(r[2] for r in results)
    assert wall < serial + 2.0
