"""Regrades with a trail, on a real class graded in the real sandbox with a course file.

The class: ``good`` (correct), ``vec`` (correct, a folder) and ``syntax`` (cannot run), from
``submissions/class``. good is 1.5 days late, vec too but with a 2-day extension. Sandboxes
are counted by wrapping :class:`grader.sandbox.Sandbox`: re-applying the course policy must
start none, a regrade of one submission must start some."""

from __future__ import annotations

import csv
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from grader.batch import grade_class
from grader.batch.regrade import TRAIL_FILENAME, read_trail, regrade
from grader.errors import UserError

HERE = Path(__file__).parent
SECRET_FILE = HERE / "test-course.key"
COURSE = """[course]
name = "regrade test"

[deadlines]
conv2d-forward = 2026-11-20T23:59:00+01:00

[late]
per = "day"
percent = 10
{extension}"""
EXTENSION = """
[[extensions]]
submission = "vec"
days = 2
reason = "medical"
by = "prof.lee"
"""
TIMES = "submission,submitted_at\ngood,2026-11-22T11:59:00+01:00\nvec,2026-11-22T11:59:00+01:00\n"


@pytest.fixture
def sandboxes(monkeypatch):
    """Counts the sandboxes started (every run of student code starts one)."""
    from grader.sandbox import Sandbox

    started = []
    real_init = Sandbox.__init__

    def counting_init(self, *args, **kwargs):
        started.append(kwargs.get("filename"))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(Sandbox, "__init__", counting_init)
    return started


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("regrade")
    klass = root / "class"
    klass.mkdir()
    for entry in ("good.py", "vec", "syntax.py"):
        source = HERE / "submissions" / "class" / entry
        (shutil.copytree if source.is_dir() else shutil.copy)(source, klass / entry)
    (root / "course.toml").write_text(COURSE.format(extension=EXTENSION))
    (root / "times.csv").write_text(TIMES)
    (root / "roster.csv").write_text("submission,email,canvas_id\ngood,good@x.edu,1\nvec,vec@x.edu,2\n"
                                     "syntax,syntax@x.edu,3\n")
    grade_class(klass, exercise="conv2d-forward", out_dir=root / "out", jobs=1, max_examples=2, progress=False,
                similarity=False, secret_file=SECRET_FILE, course=root / "course.toml", times=root / "times.csv",
                exports=("canvas", "moodle"), roster=root / "roster.csv")
    return root


@pytest.fixture
def copy(graded, tmp_path) -> Path:
    """A copy of the graded OUT (and its course file) that a test may change."""
    shutil.copytree(graded, tmp_path / "run", symlinks=True)
    return tmp_path / "run"


def _grades(out: Path) -> dict[str, dict[str, str]]:
    return {r["submission"]: r for r in csv.DictReader((out / "grades.csv").open(newline=""))}


def test_the_course_policy_is_applied_after_grading(graded):
    grades = _grades(graded / "out")
    raw = float(grades["good"]["score"])
    assert raw == float(grades["good"]["max_score"]) > 0  # correct code: full marks
    assert float(grades["good"]["final_score"]) == pytest.approx(0.8 * raw)  # 2 started days at 10%
    assert float(grades["vec"]["final_score"]) == float(grades["vec"]["score"])  # inside the extension
    assert grades["syntax"]["time_source"] == "file"  # not in the LMS export: its file's time
    canvas = list(csv.reader((graded / "out" / "canvas.csv").open(newline="")))
    assert {row[1]: float(row[-1]) for row in canvas[2:]} == {"1": 0.8 * raw, "2": raw, "3": 0.0}
    moodle = list(csv.reader((graded / "out" / "moodle.csv").open(newline="")))
    assert {row[0]: float(row[1]) for row in moodle[1:]} == {"good@x.edu": 0.8 * raw, "vec@x.edu": raw,
                                                             "syntax@x.edu": 0.0}


def test_changing_an_extension_reapplies_without_any_sandbox(copy, sandboxes):
    (copy / "course.toml").write_text(COURSE.format(extension=""))  # the extension withdrawn
    done = regrade(copy / "out", reason="extension withdrawn: <i>no</i> certificate", by="prof.lee",
                   course=copy / "course.toml")
    assert sandboxes == []  # nobody's code ran, no sandbox started
    grades = _grades(copy / "out")
    assert float(grades["vec"]["final_score"]) == pytest.approx(0.8 * float(grades["vec"]["score"]))
    assert done.entry["kind"] == "policy" and done.entry["by"] == "prof.lee"
    assert [(c["submission"], c["before"]["final_score"], c["after"]["final_score"])
            for c in done.entry["changes"]] == [("vec", 20, 16)]
    assert read_trail(copy / "out") == [done.entry]
    html = (copy / "out" / "report.html").read_text()
    assert "extension withdrawn: &lt;i&gt;no&lt;/i&gt; certificate" in html and "<i>no</i>" not in html
    assert "Regrades (1)" in html
    assert json.loads((copy / "out" / "report.json").read_text())["regrades"] == [done.entry]


def test_a_regrade_runs_the_submission_again_and_the_trail_only_grows(copy, sandboxes):
    first = regrade(copy / "out", ["good"], reason="late work accepted after appeal", by="ta.kim")
    assert sandboxes  # good ran again, in a sandbox
    assert first.graded.regraded == ["good"]
    assert first.entry["kind"] == "regrade" and first.entry["submissions"] == ["good"]
    trail_file = copy / "out" / TRAIL_FILENAME
    before = trail_file.read_bytes()
    second = regrade(copy / "out", reason="re-applied, nothing changed", by="ta.kim")
    assert trail_file.read_bytes().startswith(before)  # append-only
    assert [e["reason"] for e in read_trail(copy / "out")] == ["late work accepted after appeal",
                                                               "re-applied, nothing changed"]
    assert second.entry["changes"] == []


def test_regrade_mistakes_are_one_line(copy, tmp_path):
    runner = CliRunner()
    done = runner.invoke(main, ["regrade", str(copy / "out"), "nobody", "--reason", "x"])
    assert done.exit_code == 2 and "'nobody' is not a submission of the class" in done.output
    done = runner.invoke(main, ["regrade", str(tmp_path), "--reason", "x"])
    assert done.exit_code == 2 and "holds no 'cnngrade grade' run" in done.output
    done = runner.invoke(main, ["regrade", str(copy / "out")])
    assert done.exit_code == 2 and "--reason" in done.output
    with pytest.raises(UserError, match="needs a reason"):
        regrade(copy / "out", reason="  ")
    (copy / "course.toml").write_text("[late]\npercentt = 3\n")
    done = runner.invoke(main, ["regrade", str(copy / "out"), "--reason", "typo", "--course", str(copy / "course.toml")])
    assert done.exit_code == 2 and "[late] percentt (line 2): unknown key" in done.output
    assert not (copy / "out" / TRAIL_FILENAME).exists()  # nothing recorded for a refused regrade


def test_the_cli_reapplies_and_prints_the_changes(copy, sandboxes):
    (copy / "course.toml").write_text(COURSE.format(extension=""))
    done = CliRunner().invoke(main, ["regrade", str(copy / "out"), "--reason", "no extension", "--by", "me",
                                     "--course", str(copy / "course.toml")])
    assert done.exit_code == 0, done.output
    assert "vec: final score 20 -> 16" in done.output and sandboxes == []
    assert "nobody graded again, 1 final score(s) changed" in done.output


class _Table(HTMLParser):
    """The rows (cell texts) of the report's item table."""

    def __init__(self):
        super().__init__()
        self.rows, self._in, self._cell, self._svg, self._plotted = [], False, None, 0, False

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("class", "items") in attrs:
            self._in = True
        elif self._in and tag == "tr":
            self.rows.append([])
        elif self._in and tag in ("td", "th"):
            self._cell, self._plotted = [], False
        elif self._in and tag == "svg":
            self._svg += 1
            self._plotted = True

    def handle_endtag(self, tag):
        if tag == "table":
            self._in = False
        elif self._in and tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("<plot>" if self._plotted else "".join(self._cell).strip())
            self._cell = None
        elif self._in and tag == "svg":
            self._svg -= 1

    def handle_data(self, data):
        if self._cell is not None and not self._svg:
            self._cell.append(data)


def test_the_item_table_and_report_json_agree_with_the_grades(graded):
    out = graded / "out"
    parser = _Table()
    parser.feed((out / "report.html").read_text())
    header, *rows = parser.rows
    assert header[:5] == ["item", "graded", "mean score", "pass rate", "discrimination"]
    report = json.loads((out / "report.json").read_text())
    grades = json.loads((out / "grades.json").read_text())
    ran = [g for g in grades if g["status"] != "error"]  # syntax could not run: not counted
    assert [r[0] for r in rows] == [i["name"] for i in report["items"]] == [t["name"] for t in ran[0]["tests"]]
    for row, item in zip(rows, report["items"]):
        tests = [t for g in ran for t in g["tests"] if t["name"] == row[0]]
        passed = sum(t["status"] == "passed" for t in tests)
        assert (item["graded"], item["passed"]) == (len(tests), passed)
        assert row[1] == str(len(tests)) and row[3] == f"{100 * passed / len(tests):.0f}%"
        assert row[-1] == "<plot>"
        # Both correct submissions pass everything: the discrimination is undefined.
        assert item["discrimination"] is None and row[4] == "n/a"
    assert report["schema"] == "cnngrade-report/1" and report["count"] == 3
    assert report["policy"]["time_sources"] == {"file": 1, "lms": 2}


def test_a_regrade_waits_for_no_one_and_writes_nothing_while_a_run_holds_out(copy):
    from grader.batch.grading import _OutLock

    holder = _OutLock(copy / "out")
    holder.acquire()
    try:
        with pytest.raises(UserError, match="another 'cnngrade grade' is writing"):
            regrade(copy / "out", reason="while grading")
    finally:
        holder.release()
    assert not (copy / "out" / TRAIL_FILENAME).exists()
