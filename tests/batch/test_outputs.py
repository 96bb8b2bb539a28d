"""The files of DESIGN.md 3.3 and the LMS exports, read back in each format's own terms."""

import csv
import json

import pytest

from grader.batch.exports import load_roster
from grader.batch.outputs import write_outputs
from grader.errors import UserError
from grader.results import SubmissionResult
from grader.results import TestResult as GroupResult


def _class() -> list[SubmissionResult]:
    full = [GroupResult("shape", 2.0, 2.0, "passed", "ok"), GroupResult("padding", 3.0, 3.0, "passed", "ok")]
    partial = [GroupResult("shape", 2.0, 2.0, "passed", "ok"),
               GroupResult("padding", 0.0, 3.0, "failed", "Failed: wrong values", {"got": [float("nan")]},
                           "padding_ignored")]
    return [
        SubmissionResult("ada", "conv2d-forward", 5.0, 5.0, "passed", full, "all good", duration_s=1.5),
        SubmissionResult("ben", "conv2d-forward", 2.0, 5.0, "failed", partial, "padding wrong",
                         misconceptions=["padding_ignored"], duration_s=3.0),
        SubmissionResult("<i>eve<i>", "conv2d-forward", 0.0, 5.0, "error", [], "timed out after 10 s",
                         verdict="timeout", duration_s=10.0),
    ]


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("submission,name,email,student_id,canvas_id,login_id,section\n"
                    "ada,Ada L,ada@x.edu,S1,101,ada,A\nben,Ben B,ben@x.edu,S2,102,ben,B\n"
                    "zoe,Zoe Z,zoe@x.edu,S9,109,zoe,A\n")
    return load_roster(path)


def test_grades_json_and_csv_follow_the_contract(tmp_path):
    summary = write_outputs(_class(), out_dir=tmp_path)
    grades = json.loads((tmp_path / "grades.json").read_text())  # strict JSON despite the NaN
    assert [g["submission"] for g in grades] == ["ada", "ben", "<i>eve<i>"]
    for g in grades:
        assert {"submission", "exercise", "score", "max_score", "status", "tests", "feedback"} <= set(g)
        for t in g["tests"]:
            assert {"name", "score", "max_score", "status", "output"} <= set(t)
    assert grades[1]["tests"][1]["counterexample"] == {"got": ["nan"]}
    rows = list(csv.DictReader((tmp_path / "grades.csv").open()))
    assert list(rows[0]) == ["submission", "score", "max_score", "status", "shape", "padding"]
    assert rows[1] == {"submission": "ben", "score": "2", "max_score": "5", "status": "failed",
                       "shape": "2", "padding": "0"}
    assert rows[2]["status"] == "error" and rows[2]["shape"] == "0"
    assert summary.stats.count == 3 and summary.stats.misconceptions["padding_ignored"] == 1


def test_each_submission_gets_gradescope_results_and_feedback(tmp_path):
    write_outputs(_class(), out_dir=tmp_path)
    ben = json.loads((tmp_path / "ben" / "results.json").read_text())
    assert ben["score"] == 2 and ben["output_format"] == "text"
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in ben["tests"]] == [
        ("shape", 2, 2, "passed"), ("padding", 0, 3, "failed")]
    assert ben["tests"][1]["tags"] == ["padding_ignored"]
    eve = json.loads((tmp_path / "<i>eve<i>" / "results.json").read_text())
    assert eve["tests"][0]["max_score"] == 5 and eve["tests"][0]["status"] == "failed"  # nothing ran: one 0-point test
    feedback = (tmp_path / "ben" / "feedback.md").read_text()
    assert "**Score: 2 / 5** (failed)" in feedback and "| padding | 0 / 3 | failed |" in feedback


def test_canvas_moodle_and_csv_exports_map_through_the_roster(tmp_path, roster):
    summary = write_outputs(_class(), out_dir=tmp_path, exports=["canvas", "moodle", "csv", "gradescope"],
                            roster=roster, title="Conv forward")
    canvas = list(csv.reader((tmp_path / "canvas.csv").open()))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Conv forward"]
    assert canvas[1][0].strip() == "Points Possible" and canvas[1][-1] == "5"
    assert canvas[2:] == [["Ada L", "101", "S1", "ada", "A", "5"], ["Ben B", "102", "S2", "ben", "B", "2"]]
    moodle = list(csv.DictReader((tmp_path / "moodle.csv").open()))
    assert [(r["Email address"], r["ID number"], r["Conv forward (points out of 5)"]) for r in moodle] == [
        ("ada@x.edu", "S1", "5"), ("ben@x.edu", "S2", "2")]
    assert moodle[1]["Feedback"].startswith("2 / 5 (failed).")
    book = {r["submission"]: r for r in csv.DictReader((tmp_path / "gradebook.csv").open())}
    assert book["ben"]["percent"] == "40" and book["ben"]["email"] == "ben@x.edu"
    assert book["zoe"]["status"] == "missing"  # in the roster, submitted nothing
    assert json.loads((tmp_path / "gradescope" / "ada@x.edu" / "results.json").read_text())["score"] == 5
    assert any("not in the roster" in w and "<i>eve<i>" in w for w in summary.warnings)


def test_outputs_are_replaced_atomically_and_leave_no_temporary_files(tmp_path):
    write_outputs(_class(), out_dir=tmp_path)
    write_outputs(_class()[:1], out_dir=tmp_path)
    assert len(json.loads((tmp_path / "grades.json").read_text())) == 1
    assert not [p for p in tmp_path.rglob("*.tmp")]


@pytest.mark.parametrize("exports, message", [
    (["canvas"], "--export canvas needs --roster"),
    (["blackboard"], "unknown export format 'blackboard'"),
])
def test_export_mistakes_are_user_errors_before_any_file(tmp_path, exports, message):
    with pytest.raises(UserError, match=message):
        write_outputs(_class(), out_dir=tmp_path / "out", exports=exports)
    assert not (tmp_path / "out").exists()


def test_a_submission_named_like_an_output_is_refused(tmp_path):
    clash = SubmissionResult("gradescope", "conv2d-forward", 0.0, 5.0, "failed")
    with pytest.raises(UserError, match="collides with a file cnngrade writes"):
        write_outputs([clash], out_dir=tmp_path / "out")


@pytest.mark.parametrize("text, message", [
    ("name,email\nada,a@x\n", "has no 'submission' column"),
    ("submission,shoe_size\nada,44\n", "unknown column"),
    ("submission\nada\nada\n", "lists submission 'ada' twice"),
])
def test_bad_rosters_are_user_errors(tmp_path, text, message):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(UserError, match=message):
        load_roster(path)
