"""Scale-out on a real Dask cluster: ``dask scheduler`` and ``dask worker`` processes on
127.0.0.1 (what a course cluster runs, one machine standing in for several), 1 worker vs 2.

The class: ``--size`` submissions (default 200), copies of a correct loop conv2d-forward and
the buggy conv2d-forwards of the test corpus (up to a quarter of the class; each file with a
comment of its own). For each
tree (``--before DIR`` too) and each worker count, a scheduler and the workers start
(``--nthreads 1``: hypothesis is not thread-safe), ``cnngrade grade --scheduler`` grades the
class into a fresh OUT, and the cluster stops. The same class graded locally (``--jobs``
= cores) gives the reference grades: every cluster run must match them (score, status and
points per group of every submission), or the script fails.

    python benchmarks/bench_dask_cluster.py --before /tmp/before --json dask.json
    python benchmarks/bench_dask_cluster.py --quick        # 24 submissions, after only
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, add_common_arguments, machine, run_timed, summary, trees_from, tree_env, write_json  # noqa: E402

CORPUS = ROOT / "tests" / "checker" / "submissions" / "conv2d_forward"
KEY = ROOT / "tests" / "batch" / "test-course.key"
EXERCISE = "conv2d-forward"


def make_class(folder: Path, size: int) -> Path:
    folder.mkdir(parents=True)
    buggy = sorted(CORPUS.glob("bug_*.py"))[: size // 4]
    correct = (CORPUS / "correct_loops.py").read_text(encoding="utf-8")
    for i in range(size):
        if i < len(buggy):
            name, code = f"{buggy[i].stem}_{i:03d}", buggy[i].read_text(encoding="utf-8")
        else:
            name, code = f"correct_{i:03d}", correct
        (folder / f"{name}.py").write_text(f"{code}\n# submission {i}\n", encoding="utf-8")
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """``dask scheduler`` + ``dask worker`` processes, the tree's cnngrade on their path."""

    def __init__(self, tree: Path, workers: int, folder: Path):
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        env = tree_env(tree)
        log = folder / f"dask-{self.port}.log"
        self.log = log.open("w")
        common = dict(cwd=tree, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.scheduler = subprocess.Popen(["dask", "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                           "--no-dashboard"], **common)
        self._wait_for_port()
        self.workers = subprocess.Popen(["dask", "worker", self.address, "--nthreads", "1", "--nworkers",
                                         str(workers), "--no-dashboard", "--local-directory", str(folder / "dask")],
                                        **common)
        self._wait_for_workers(workers)

    def _wait_for_port(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the Dask scheduler did not start")

    def _wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(count, timeout=120)

    def stop(self) -> None:
        for proc in (self.workers, self.scheduler):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
        self.log.close()


def grades(out: Path) -> dict:
    return {r["submission"]: [r["score"], r["status"], {t["name"]: t["score"] for t in r["tests"]}]
            for r in json.loads((out / "grades.json").read_text(encoding="utf-8"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser, runs=1)
    parser.add_argument("--size", type=int, default=200, help="submissions in the class (default 200)")
    args = parser.parse_args()
    size = 24 if args.quick else args.size
    trees = trees_from(args)
    if args.quick:
        trees = {"after": trees["after"]}
    work = Path(tempfile.mkdtemp(prefix="cnngrade-bench-dask-"))
    klass = make_class(work / "class", size)
    results = {"machine": machine(), "size": size, "trees": {n: str(t) for n, t in trees.items()}, "runs": {}}
    print(f"machine: {results['machine']}\nclass: {size} submissions ({len(list(klass.glob('bug_*')))} buggy)")
    grade = ["cnngrade", "grade", str(klass), "--exercise", EXERCISE, "--secret-file", str(KEY), "--quiet"]

    local_out = work / "out-local"
    seconds = run_timed([*grade, "--out", str(local_out), "--jobs", str(len(os.sched_getaffinity(0)))], tree=ROOT)
    reference = grades(local_out)
    results["local_s"] = seconds
    print(f"local --jobs {len(os.sched_getaffinity(0))} (this tree): {seconds:.1f} s")
    for _ in range(1 if args.quick else args.runs):
        for workers in (1, 2):
            for name, tree in trees.items():
                cluster = Cluster(tree, workers, work)
                out = work / f"out-{name}-{workers}"
                try:
                    seconds = run_timed([*grade, "--out", str(out), "--scheduler", cluster.address], tree=tree)
                finally:
                    cluster.stop()
                same = grades(out) == reference
                results["runs"].setdefault(f"{name}:{workers}", []).append(seconds)
                print(f"{name}: {workers} dask worker(s): {seconds:.1f} s, {size / seconds:.2f} submissions/s, "
                      f"grades {'identical to' if same else 'DIFFERENT from'} local", flush=True)
                if not same:
                    raise SystemExit(f"grades differ: compare {out}/grades.json with {local_out}/grades.json")
                shutil.rmtree(out, ignore_errors=True)
    for name in trees:
        one, two = (summary(results["runs"][f"{name}:{w}"])["median_s"] for w in (1, 2))
        results[f"speedup:{name}"] = one / two
        print(f"{name}: 2 workers vs 1: x{one / two:.2f}")
    if len(trees) > 1:
        for workers in (1, 2):
            before, after = (summary(results["runs"][f"{n}:{workers}"])["median_s"] for n in ("before", "after"))
            results[f"ratio:{workers}"] = before / after
            print(f"{workers} worker(s): after is x{before / after:.1f} the speed of before")
    write_json(args.json, results)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
