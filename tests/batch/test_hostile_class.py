"""A class folder built by an attacker (issue 12): every entry is graded or skipped with a
reason, the run exits 0 with every file of DESIGN.md 3.3, and no student text reaches a
spreadsheet as a formula, feedback.md as HTML, or the terminal as a control sequence.

One real ``cnngrade grade`` process (kernel sandbox, similarity on) over real files.
"""

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader.files import remove_tree

ROOT = Path(__file__).resolve().parents[2]
GOOD = (Path(__file__).parent / "submissions" / "class" / "good.py").read_text()
SECRET_FILE = Path(__file__).parent / "test-course.key"
HOSTILE_MESSAGE = "[red]x[/red] \x1b]52;c;aGVsbG8=\x07 \x1b]0;owned\x07 \x1b[2J <b>bold</b>"
FORMULA = '=HYPERLINK("x","y")'
# Entry -> the words its reason must contain.
SKIPPED = {
    "grades.json.py": "collides with a file cnngrade writes in OUT",
    "grades.json": "collides with a file cnngrade writes in OUT",  # a folder
    "back\\slash.py": "slash or a backslash",
    "new\nline.py": "control character",
    "\u202egood.py": "bidirectional-text control",
    "bad\\xff.py": "not valid UTF-8",
}
GRADED = {"good", "deepnb", "deeptree", "parser_bomb", "markup", FORMULA}
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _build(root: Path) -> None:
    root.mkdir()
    (root / "good.py").write_text(GOOD)
    depth = 100_000
    (root / "deepnb.ipynb").write_text('{"cells": [], "metadata": {"x": ' + "[" * depth + "]" * depth + "}}")
    (root / "deeptree").mkdir()
    (root / "deeptree" / "solution.py").write_text(GOOD)
    here = os.getcwd()
    os.chdir(root / "deeptree")
    try:
        for _ in range(1500):
            os.mkdir("d")
            os.chdir("d")
    finally:
        os.chdir(here)
    # Makes ast.parse fail with MemoryError / RecursionError in the similarity pass.
    (root / "parser_bomb.py").write_text(GOOD + "\nX = " + "[" * 100_000 + "]" * 100_000 + "\n")
    (root / "markup.py").write_text(
        "def conv2d_forward(x, w, b, stride=1, padding=0):\n"
        f"    raise ValueError({HOSTILE_MESSAGE!r})\n")
    (root / f"{FORMULA}.py").write_text(GOOD)
    for entry in ("grades.json.py", "back\\slash.py", "new\nline.py", "\u202egood.py"):
        (root / entry).write_text(GOOD)
    (root / "grades.json").mkdir()
    (root / "grades.json" / "solution.py").write_text(GOOD)
    with open(os.fsencode(root) + b"/bad\xff.py", "wb") as handle:
        handle.write(GOOD.encode())


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    _build(base / "subs")
    out = base / "out"
    done = subprocess.run(
        [sys.executable, "-c", "import cli; cli.main()", "grade", str(base / "subs"), "--exercise", "conv2d-forward",
         "--out", str(out), "--max-examples", "2", "--jobs", "2", "--secret-file", str(SECRET_FILE)],
        cwd=ROOT, capture_output=True, timeout=600)
    yield done, out
    assert remove_tree(base / "subs" / "deeptree")  # pytest's own cleanup recurses, and would fail on it


def test_the_class_is_graded_and_exits_0(run):
    done, out = run
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    grades = {g["submission"]: g for g in json.loads((out / "grades.json").read_text())}
    assert set(grades) == GRADED
    assert grades["good"]["status"] == grades["deeptree"]["status"] == grades[FORMULA]["status"] == "passed"
    assert grades["deepnb"]["status"] == "error" and "nested too deeply" in grades["deepnb"]["feedback"]
    assert grades["markup"]["status"] == "failed"
    for name in GRADED:
        assert (out / name / "feedback.md").is_file() and (out / name / "results.json").is_file()
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []  # nothing half-written


def test_skipped_entries_are_listed_with_the_reason_in_skipped_json_report_and_summary(run):
    done, out = run
    skipped = {s["entry"]: s["reason"] for s in json.loads((out / "skipped.json").read_text(encoding="utf-8"))}
    assert set(skipped) == set(SKIPPED)
    for entry, words in SKIPPED.items():
        assert words in skipped[entry]
    report = (out / "report.html").read_text()
    assert "Entries skipped (6)" in report and "back\\slash.py" in report and "\\u202egood.py" in report
    assert "\u202e" not in report
    summary = done.stdout.decode()
    assert "entries skipped (6" in summary and "not valid UTF-8" in summary


def test_a_hostile_name_is_text_in_every_csv(run):
    _, out = run
    rows = {row[0]: row for row in csv.reader((out / "grades.csv").open(newline=""))}
    assert "'" + FORMULA in rows and FORMULA not in rows


def test_student_text_reaches_feedback_md_inert(run):
    _, out = run
    feedback = (out / "markup" / "feedback.md").read_text()
    assert "\x1b" not in feedback and "\x07" not in feedback
    assert "\\x1b]52;c;aGVsbG8=\\x07" in feedback  # shown, inside a fenced block
    heading = (out / FORMULA / "feedback.md").read_text().splitlines()[0]
    assert heading == "# conv2d-forward: =HYPERLINK(\"x\",\"y\")"


def test_no_control_character_reaches_the_terminal(run):
    done, _ = run
    for stream in (done.stdout, done.stderr):
        text = stream.decode("utf-8")  # valid UTF-8: the bad bytes are shown as \xff
        assert not _CONTROL.search(text), [m.group(0) for m in _CONTROL.finditer(text)][:5]


def test_check_shows_the_hostile_message_as_text(run, tmp_path):
    source = tmp_path / "markup.py"
    source.write_text("def conv2d_forward(x, w, b, stride=1, padding=0):\n"
                      f"    raise ValueError({HOSTILE_MESSAGE!r})\n")
    done = subprocess.run([sys.executable, "-c", "import cli; cli.main()", "check", str(source)], cwd=ROOT,
                          capture_output=True, timeout=300)
    assert done.returncode == 1
    text = done.stdout.decode("utf-8") + done.stderr.decode("utf-8")
    assert not _CONTROL.search(text)
    assert "[red]x[/red] \\x1b]52;c;aGVsbG8=\\x07" in text
