"""One run per OUT (flock on OUT/.cnngrade/lock), Ctrl-C that keeps the work done, and
--regrade / --force: real ``cnngrade grade`` processes, real signals."""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.batch import grade_class
from grader.batch.cache import CACHE_FILENAME
from grader.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
CLASS = Path(__file__).parent / "submissions" / "class"
SECRET_FILE = Path(__file__).parent / "test-course.key"
GOOD = (CLASS / "good.py").read_text()
INTERRUPTED = re.compile(r"^interrupted: (\d+) graded, rerun the same command to resume$")


def _grade(klass: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-c", "import cli; cli.main()", "grade", str(klass), "--exercise", "conv2d-forward",
            "--out", str(out), "--max-examples", "2", "--no-similarity", "--secret-file", str(SECRET_FILE), *extra]


def _rows(out: Path) -> int:
    try:
        return sqlite3.connect(out / CACHE_FILENAME, timeout=1).execute("SELECT COUNT(*) FROM results").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.fixture
def small(tmp_path) -> Path:
    root = tmp_path / "subs"
    root.mkdir()
    (root / "ada.py").write_text(GOOD)
    (root / "ben.py").write_text(GOOD.replace("return", "return 0 *", 1) if "return" in GOOD else GOOD)
    return root


def _hold_lock(out: Path) -> subprocess.Popen:
    """Another process holding OUT's lock through the library's own lock code."""
    code = ("import sys, time; from pathlib import Path; from grader.batch.grading import _OutLock;"
            "lock = _OutLock(Path(sys.argv[1])); lock.acquire(); print('held', flush=True); time.sleep(600)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(out)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_run_on_one_out_exits_2_naming_the_holder_and_a_killed_holder_blocks_nothing(small, tmp_path):
    out = tmp_path / "out"
    holder = _hold_lock(out)
    try:
        blocked = subprocess.run(_grade(small, out), cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert blocked.returncode == 2, blocked.stderr
        first = blocked.stderr.splitlines()[0]
        assert first.startswith("Error: another 'cnngrade grade' is writing") and f"pid {holder.pid}" in first
        assert not (out / "grades.json").exists() and _rows(out) == 0
    finally:
        holder.send_signal(signal.SIGKILL)  # a killed run: its lock file stays, the kernel drops the flock
        holder.wait()
    assert (out / ".cnngrade" / "lock").exists()
    done = subprocess.run(_grade(small, out), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(json.loads((out / "grades.json").read_text())) == 2


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_130_with_the_count_and_the_rerun_resumes(tmp_path, jobs):
    klass = tmp_path / "subs"
    klass.mkdir()
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        (klass / f"{name}.py").write_text(GOOD + f"\n# {name}\n")
    out = tmp_path / "out"
    # A terminal's Ctrl-C signals the whole foreground process group: so does this test. A
    # foreground command starts with SIGINT's default action; a suite started in the
    # background (`cmd &`) passes SIGINT on ignored, and Python then never raises
    # KeyboardInterrupt, so the child gets the default back.
    child = subprocess.Popen(_grade(klass, out, "--jobs", jobs), cwd=ROOT, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    while _rows(out) < 1 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGINT)
    stdout, stderr = child.communicate(timeout=240)
    assert child.returncode == 130, stderr
    last = stderr.strip().splitlines()[-1]
    match = INTERRUPTED.match(last)
    assert match, stderr
    graded = int(match.group(1))
    assert 1 <= graded == _rows(out) < 6, "the interrupt must land mid-batch, and count what is cached"
    assert "Traceback" not in stderr
    assert not (out / "grades.json").exists()
    resumed = subprocess.run(_grade(klass, out, "--jobs", jobs), cwd=ROOT, capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr  # the lock went with the interrupted run
    assert f"reused {graded} result(s) from the cache" in resumed.stderr
    assert len(json.loads((out / "grades.json").read_text())) == 6


def test_regrade_and_force_ignore_the_cache_for_the_chosen_submissions(small, tmp_path):
    out = tmp_path / "out"
    options = dict(exercise="conv2d-forward", out_dir=out, jobs=1, max_examples=2, progress=False,
                   similarity=False, secret_file=SECRET_FILE)
    first = grade_class(small, **options)
    assert sorted(first.regraded) == ["ada", "ben"]
    assert grade_class(small, **options).regraded == []
    assert grade_class(small, regrade=["ben"], **options).regraded == ["ben"]
    assert sorted(grade_class(small, force=True, **options).regraded) == ["ada", "ben"]
    with pytest.raises(UserError, match="--regrade 'carl': no submission of that name"):
        grade_class(small, regrade=["carl"], **options)


def test_regrade_on_the_command_line(small, tmp_path):
    out = tmp_path / "out"
    assert subprocess.run(_grade(small, out, "--jobs", "1"), cwd=ROOT, capture_output=True, timeout=300).returncode == 0
    again = subprocess.run(_grade(small, out, "--jobs", "1", "--regrade", "ada"), cwd=ROOT, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "[1/2] ada:" in again.stderr or "ada: " in again.stderr
    assert "reused 1 result(s) from the cache" in again.stderr
