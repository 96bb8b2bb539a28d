"""Throughput of ``cnngrade grade`` against the usual course script, at equal examples.

Scenarios:
  (a) COPIES copies of a correct conv2d_forward (each copy differs by a comment line);
  (b) a mixed class: the example class's correct, buggy and hostile submissions, repeated.

"The usual course script": for each submission, copy it beside a pytest file that imports
torch and hypothesis, and run pytest in a subprocess (one after the other, a 60 s timeout
per submission so a hanging submission cannot stop the class). Its hypothesis test draws as
many examples as cnngrade draws per submission (groups x examples per group) and compares
with ``torch.nn.functional.conv2d``. No sandbox, no shrinking budget, no diagnosis.

cnngrade runs with the sandbox on (bubblewrap where available), ``--jobs`` = cores, a fresh
OUT (no cache hits). The course script is timed on a sample of the same submissions and its
per-submission rate reported (it is sequential, so the rate does not depend on the sample).

    python benchmarks/bench_grade.py                  # (a) 200 copies, (b) 22 mixed
    python benchmarks/bench_grade.py --copies 40 --mixed 11 --baseline-sample 10
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EXAMPLE_CLASS = ROOT / "examples" / "class"
CORRECT = EXAMPLE_CLASS / "ada" / "solution.py"

PYTEST_FILE = '''\
import numpy as np
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from solution import conv2d_forward

EXAMPLES = {examples}


@st.composite
def cases(draw):
    n, c, f = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * ph), 8))
    w = draw(st.integers(max(1, kw - 2 * pw), 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    tuple_args = draw(st.booleans())
    stride, padding = ((sh, sw), (ph, pw)) if tuple_args else (sh, ph)
    return rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, kh, kw)), rng.standard_normal(f), stride, padding


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(cases())
def test_conv2d_forward(case):
    x, w, b, stride, padding = case
    expected = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b),
                                          stride=stride, padding=padding).numpy()
    got = np.asarray(conv2d_forward(x, w, b, stride, padding))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
'''


def _examples_per_submission(max_examples: int | None) -> tuple[int, int]:
    from grader.checker import resolve_exercise

    spec = resolve_exercise("", "conv2d-forward")
    per_group = max_examples or spec.max_examples
    return len(spec.groups), per_group


def build_copies(folder: Path, count: int) -> None:
    code = CORRECT.read_text()
    for i in range(count):
        (folder / f"student{i:04d}.py").write_text(f"{code}\n# submission {i}\n")


def build_mixed(folder: Path, count: int) -> None:
    """The example class's single-file entries (and the notebook's code), cycled to ``count``."""
    from grader.batch.discovery import discover, load_source

    sources = []
    for submission in discover(EXAMPLE_CLASS):
        _, code, problem = load_source(submission)
        if problem is None:
            sources.append((submission.name, code))
    for i in range(count):
        name, code = sources[i % len(sources)]
        (folder / f"{name}{i:03d}.py").write_text(f"{code}\n# submission {i}\n")


def run_cnngrade(folder: Path, *, jobs: int, max_examples: int | None) -> tuple[float, list[dict]]:
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    args = [sys.executable, "-c", "import cli; cli.main()", "grade", str(folder), "--exercise", "conv2d-forward",
            "--out", str(out), "--jobs", str(jobs), "--quiet", "--no-similarity"]
    if max_examples:
        args += ["--max-examples", str(max_examples)]
    started = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"cnngrade grade failed:\n{done.stderr}")
    grades = json.loads((out / "grades.json").read_text())
    shutil.rmtree(out)
    return elapsed, grades


def run_course_script(folder: Path, *, examples: int, sample: int) -> tuple[float, int]:
    files = sorted(folder.glob("*.py"))[:sample]
    work = Path(tempfile.mkdtemp(prefix="bench-course-"))
    started = time.perf_counter()
    for path in files:
        case = work / path.stem
        case.mkdir()
        shutil.copy(path, case / "solution.py")
        (case / "test_solution.py").write_text(PYTEST_FILE.format(examples=examples))
        try:
            subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_solution.py"],
                           cwd=case, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            pass
    elapsed = time.perf_counter() - started
    shutil.rmtree(work)
    return elapsed, len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=200, help="size of scenario (a)")
    parser.add_argument("--mixed", type=int, default=22, help="size of scenario (b)")
    parser.add_argument("--baseline-sample", type=int, default=20, help="submissions timed for the course script")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cnngrade --jobs")
    parser.add_argument("--max-examples", type=int, default=None, help="examples per group (default: the exercise's)")
    args = parser.parse_args()

    groups, per_group = _examples_per_submission(args.max_examples)
    examples = groups * per_group
    from grader.sandbox import capabilities

    print(f"machine: {os.cpu_count()} cores; examples per submission: {groups} groups x {per_group} = {examples}")
    print(f"sandbox: {json.dumps(capabilities(), default=str)[:300]}")
    rows = []
    for label, build, count in (("(a) correct copies", build_copies, args.copies), ("(b) mixed class", build_mixed, args.mixed)):
        folder = Path(tempfile.mkdtemp(prefix="bench-class-"))
        build(folder, count)
        ours, grades = run_cnngrade(folder, jobs=args.jobs, max_examples=args.max_examples)
        statuses = {s: sum(g["status"] == s for g in grades) for s in ("passed", "failed", "error")}
        theirs, sampled = run_course_script(folder, examples=examples, sample=min(args.baseline_sample, count))
        ours_rate, their_rate = 60 * count / ours, 60 * sampled / theirs
        rows.append((label, count, ours, ours_rate, sampled, theirs, their_rate, ours_rate / their_rate, statuses))
        shutil.rmtree(folder)

    print(f"\n{'scenario':20} {'n':>4} {'cnngrade s':>10} {'subs/min':>9} | {'script n':>8} {'script s':>9} "
          f"{'subs/min':>9} | speedup")
    for label, n, ours, ours_rate, sampled, theirs, their_rate, speedup, statuses in rows:
        print(f"{label:20} {n:>4} {ours:>10.1f} {ours_rate:>9.1f} | {sampled:>8} {theirs:>9.1f} {their_rate:>9.1f} | "
              f"{speedup:.1f}x   {statuses}")


if __name__ == "__main__":
    main()
