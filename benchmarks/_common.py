"""Helpers of the before/after benchmarks (bench_coldstart, bench_throughput, bench_dask_cluster).

A *tree* is a checkout of cnngrade: this one ("after"), or an older one given with
``--before DIR`` (e.g. ``git archive HEAD~1 | tar -x -C /tmp/before``). A command runs in a
fresh process with the tree first on ``PYTHONPATH`` and as its working folder, so each side
imports its own code. Runs of the two trees alternate (before, after, before, ...), so a
machine that gets busier mid-run slows both alike; the figures are medians and the
before/after ratio of medians.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine() -> dict:
    """What the figures were measured on."""
    import numpy

    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = "none"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    return {"cores": len(os.sched_getaffinity(0)), "cpu": cpu, "python": platform.python_version(),
            "torch": torch_version, "numpy": numpy.__version__, "load_average": os.getloadavg(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def tree_env(tree: Path, extra: dict | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), **(extra or {})}
    env.pop("PYTHONWARNINGS", None)
    # As on a user's machine: bytecode is cached after the first run (some CI images set
    # PYTHONDONTWRITEBYTECODE, which recompiles every module of the tree in every process).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


#: CPU seconds (user + system, the process and the children it waited for) of every
#: run_timed call, in order: on a shared machine they vary far less than wall time.
CPU: list[float] = []


def run_timed(argv: list[str], *, tree: Path, env: dict | None = None, timeout: float = 900,
              check: bool = True) -> float:
    """Wall seconds of one fresh process running ``argv`` (``python -m cli ...`` when argv
    starts with "cnngrade") in ``tree``; its CPU seconds are appended to :data:`CPU`."""
    if argv[0] == "cnngrade":
        argv = [sys.executable, "-m", "cli", *argv[1:]]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=tree, env=tree_env(tree, env), capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if check and proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(map(str, argv))} failed in {tree} (exit {proc.returncode}):\n"
                         f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return seconds


def interleaved(trees: dict[str, Path], runs: int, measure) -> dict[str, list[float]]:
    """``measure(name, tree)`` for each tree in turn, ``runs`` rounds: {name: [seconds, ...]};
    the CPU seconds of the same runs go to ``{"cpu:" + name: [...]}``."""
    times: dict[str, list[float]] = {name: [] for name in trees}
    for name in trees:
        times[f"cpu:{name}"] = []
    for _ in range(runs):
        for name, tree in trees.items():
            mark = len(CPU)
            times[name].append(measure(name, tree))
            times[f"cpu:{name}"].append(sum(CPU[mark:]))
    return times


def summary(times: list[float]) -> dict:
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times), "runs": len(times)}


def ratio(before: list[float] | None, after: list[float]) -> float | None:
    """How many times faster "after" is (median over median); None without a before."""
    return statistics.median(before) / statistics.median(after) if before else None


def trees_from(args) -> dict[str, Path]:
    trees = {}
    if args.before:
        before = Path(args.before).resolve()
        if not (before / "cli.py").is_file():
            raise SystemExit(f"--before {before}: not a cnngrade checkout (no cli.py)")
        trees["before"] = before
    trees["after"] = ROOT
    return trees


def add_common_arguments(parser, *, runs: int) -> None:
    parser.add_argument("--before", metavar="DIR", help="an older checkout to compare with (alternating runs)")
    parser.add_argument("--runs", type=int, default=runs, help=f"rounds of runs per tree (default {runs})")
    parser.add_argument("--quick", action="store_true", help="fewer runs and a smaller class: a smoke run")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")


def write_json(path: str | None, results: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        print(f"results written to {path}")


def row(label: str, times: dict[str, list[float]], target: str = "", *, cpu: bool = True) -> str:
    """One line: after's median (min-max), before's median, the ratio; the same for CPU
    seconds (``cpu``: only where every process of the run is waited for); the target."""
    after = summary(times["after"])
    text = f"{label:<40} {after['median_s']:6.2f} s ({after['min_s']:.2f}-{after['max_s']:.2f})"
    if "before" in times:
        text += f"  before {statistics.median(times['before']):6.2f} s  x{ratio(times['before'], times['after']):.1f}"
    if not cpu:
        return text + (f"  target {target}" if target else "")
    text += f" | cpu {statistics.median(times['cpu:after']):5.2f} s"
    if "before" in times:
        text += f"  before {statistics.median(times['cpu:before']):5.2f} s  x{ratio(times['cpu:before'], times['cpu:after']):.1f}"
    return text + (f"  target {target}" if target else "")
