"""``cnngrade grade`` end to end, with the real checker and sandbox on a five-entry class.

The class (``submissions/class``): two correct solutions (a file and a folder), one that
reads a stride tuple as (width, height), one syntax error, one binary file. A reduced hypothesis budget
(``--max-examples 2``) keeps the suite fast; grading stays deterministic.
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from grader.batch import grade_class
from grader.batch.cache import CACHE_FILENAME
from grader.batch.executors import DaskExecutor
from grader.batch.worker import GRADER_ERROR, grade_task, make_task
from grader.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
CLASS = Path(__file__).parent / "submissions" / "class"
EXAMPLES = 2
# Every run graded with one instructor secret, so runs into different OUT folders draw the
# same hidden cases and can be compared (without it, each OUT creates a secret of its own).
SECRET_FILE = Path(__file__).parent / "test-course.key"
NAMES = ["binary", "good", "swapped", "syntax", "vec"]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import cli; cli.main()", *args]


def _grade_args(klass: Path, out: Path, *extra: str) -> list[str]:
    return _cli("grade", str(klass), "--exercise", "conv2d-forward", "--out", str(out),
                "--max-examples", str(EXAMPLES), "--no-similarity", "--secret-file", str(SECRET_FILE), *extra)


def _grades(out: Path) -> list[dict]:
    """grades.json without the timings (the only field allowed to differ between runs)."""
    grades = json.loads((out / "grades.json").read_text())
    for g in grades:
        g.pop("duration_s")
    return grades


def _rows(out: Path) -> int:
    path = out / CACHE_FILENAME
    if not path.exists():
        return 0
    try:
        return sqlite3.connect(path, timeout=1).execute("SELECT COUNT(*) FROM results").fetchone()[0]
    except sqlite3.OperationalError:  # table not created yet
        return 0


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("class") / "subs"
    shutil.copytree(CLASS, copy)
    return copy


@pytest.fixture(scope="module")
def baseline(klass, tmp_path_factory) -> Path:
    """One uninterrupted run of the real CLI with two worker processes."""
    out = tmp_path_factory.mktemp("baseline") / "out"
    done = subprocess.run(_grade_args(klass, out, "--jobs", "2"), cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return out


def test_every_submission_gets_a_grade_and_the_files_of_the_contract(baseline):
    grades = {g["submission"]: g for g in _grades(baseline)}
    assert sorted(grades) == NAMES
    assert grades["good"]["status"] == grades["vec"]["status"] == "passed"
    assert grades["swapped"]["status"] == "failed" and grades["swapped"]["misconceptions"] == ["stride_swapped"]
    assert grades["syntax"]["status"] == "error" and grades["syntax"]["verdict"] == "syntax_error"
    assert grades["binary"]["status"] == "error" and "binary.py" in grades["binary"]["feedback"]
    for name in NAMES:
        assert (baseline / name / "results.json").is_file() and (baseline / name / "feedback.md").is_file()
    assert (baseline / "report.html").is_file() and (baseline / "grades.csv").is_file()


def test_sigkill_mid_batch_then_resume_equals_an_uninterrupted_run(klass, baseline, tmp_path):
    out = tmp_path / "out"
    # --jobs 1 grades one submission at a time, so the kill lands between results.
    child = subprocess.Popen(_grade_args(klass, out, "--jobs", "1"), cwd=ROOT, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _rows(out) < 2 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    stored = _rows(out)
    assert 2 <= stored < len(NAMES), "the kill must land mid-batch"
    assert not (out / "grades.json").exists()  # nothing half-written

    resumed = subprocess.run(_grade_args(klass, out, "--jobs", "1"), cwd=ROOT, capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"reused {stored} result(s) from the cache" in resumed.stderr
    assert _rows(out) == len(NAMES)  # nothing lost, nothing duplicated
    assert _grades(out) == _grades(baseline)


def test_regrade_after_changing_one_submission_reruns_only_that_one(klass, baseline, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(baseline, out)
    again = grade_class(klass, exercise="conv2d-forward", out_dir=out, jobs=1, max_examples=EXAMPLES,
                        progress=False, similarity=False, secret_file=SECRET_FILE)
    assert again.regraded == [] and again.reused == len(NAMES)

    before = {r.submission: r for r in again}
    changed = klass / "swapped.py"
    original = changed.read_text()
    try:
        changed.write_text(original + "\n# resubmitted with a comment\n")
        third = grade_class(klass, exercise="conv2d-forward", out_dir=out, jobs=1, max_examples=EXAMPLES,
                            progress=False, similarity=False, secret_file=SECRET_FILE)
    finally:
        changed.write_text(original)
    assert third.regraded == ["swapped"] and third.reused == len(NAMES) - 1
    after = {r.submission: r for r in third}
    assert after["swapped"].score == before["swapped"].score  # a comment changes no grade
    assert [g["submission"] for g in _grades(out)] == NAMES


def test_dask_cluster_run_equals_the_local_run(klass, baseline, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        graded = grade_class(klass, exercise="conv2d-forward", out_dir=tmp_path / "out",
                             scheduler=cluster.scheduler_address, max_examples=EXAMPLES,
                             progress=False, similarity=False, secret_file=SECRET_FILE)
    assert sorted(graded.regraded) == NAMES
    assert _grades(tmp_path / "out") == _grades(baseline)


@pytest.mark.parametrize("args, message", [
    (["grade", "{tmp}/nowhere", "--exercise", "conv2d-forward"], "does not exist"),
    (["grade", "{tmp}/empty", "--exercise", "conv2d-forward"], "no submissions in"),
    (["grade", "{class}", "--exercise", "no-such-exercise"], "unknown code exercise 'no-such-exercise'"),
    (["grade", "{class}", "--exercise", "conv2d-forward", "--export", "canvas"], "--export canvas needs --roster"),
    (["grade", "{class}", "--exercise", "conv2d-forward", "--roster", "{tmp}/none.csv"], "roster file"),
])
def test_user_mistakes_exit_2_with_one_line_and_write_nothing(tmp_path, args, message):
    (tmp_path / "empty").mkdir()
    out = tmp_path / "out"
    argv = [a.format(tmp=tmp_path, **{"class": CLASS}) for a in args] + ["--out", str(out)]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("Error: ") and message in first
    assert not out.exists()


def test_an_unreachable_scheduler_is_a_user_error():
    pytest.importorskip("distributed")
    with pytest.raises(UserError, match="cannot connect to the Dask scheduler at tcp://127.0.0.1:9"):
        DaskExecutor("tcp://127.0.0.1:9", connect_timeout=1)


def test_an_output_folder_inside_the_submissions_is_refused(tmp_path):
    klass = tmp_path / "subs"
    shutil.copytree(CLASS, klass)
    result = CliRunner().invoke(main, ["grade", str(klass), "--exercise", "conv2d-forward",
                                       "--out", str(klass / "out"), "--jobs", "0"])
    assert result.exit_code == 2 and "is inside the submissions folder" in result.output.splitlines()[0]
    result = CliRunner().invoke(main, ["grade", str(klass), "--exercise", "conv2d-forward",
                                       "--out", str(tmp_path / "out"), "--jobs", "0"])
    assert result.exit_code == 2 and "--jobs must be a positive number" in result.output.splitlines()[0]
    assert not (klass / "out").exists() and not (tmp_path / "out").exists()


def test_a_crash_mid_call_is_listed_with_the_incidents_and_keeps_its_partial_score(tmp_path):
    """A submission that loads, answers some calls, then ends its process mid-call: it is
    graded ("failed", points for the groups that passed), its verdict says "crashed", and
    the terminal summary and the report list it with the timeouts, crashes and refusals."""
    klass = tmp_path / "subs"
    klass.mkdir()
    good = (CLASS / "good.py").read_text()
    (klass / "good.py").write_text(good)
    # Ends its own process whenever padding comes as a tuple (the tuple groups and "shape").
    (klass / "quits.py").write_text(good.replace(
        '    """Naive convolution: one output value at a time."""\n',
        "    if isinstance(padding, tuple):\n        import os\n        os._exit(0)\n"))
    out = tmp_path / "out"
    done = subprocess.run(_grade_args(klass, out, "--jobs", "1"), cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    grades = {g["submission"]: g for g in _grades(out)}
    quits = grades["quits"]
    assert quits["status"] == "failed" and quits["verdict"] == "crashed"  # it ran: not "error"
    assert 0 < quits["score"] < quits["max_score"]
    assert grades["good"]["status"] == "passed" and grades["good"]["verdict"] == "ok"
    message = "the process exited with status 0 in conv2d_forward (it ended itself, e.g. with os._exit)"
    summary = done.stdout[done.stdout.index("timeouts, crashes and refusals"):done.stdout.index("slowest:")]
    assert "quits" in summary and "crashed" in summary and "good" not in summary
    report = (out / "report.html").read_text()
    assert f"<tr><td>quits</td><td>crashed</td><td>{message}</td></tr>" in report


def test_a_grader_failure_is_a_non_final_error_out_of_the_exercise_points():
    """When grading itself fails on a worker, the result says so, is not final (graded again
    next run), and keeps the exercise's maximum so the gradebook shows 0 out of it."""
    task = make_task(name="ada", code="x = 1\n", filename="ada.py", exercise="no-such-exercise", max_score=7.0)
    outcome = grade_task(task)
    assert outcome["final"] is False
    result = outcome["result"]
    assert (result["status"], result["verdict"], result["score"], result["max_score"]) == ("error", GRADER_ERROR, 0.0, 7.0)
    assert "not your fault" in result["feedback"]
