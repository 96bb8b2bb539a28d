"""Course policies: the course file's validation, the late rule, extensions, overrides, and the
final scores in grades.json, grades.csv and the Canvas / Moodle / csv exports.

Expected scores are worked out by hand in each test from the rule the README states (10% per
started day: 1.5 days late costs 20%), never by the code under test."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os

import pytest

from grader.batch.exports import load_roster
from grader.batch.outputs import write_outputs
from grader.batch.policy import ClassPolicy, LateRule, load_course, load_times
from grader.errors import UserError
from grader.results import SubmissionResult
from grader.results import TestResult as GroupResult

DEADLINE = "2026-11-20T23:59:00+01:00"
AT_DEADLINE = dt.datetime.fromisoformat(DEADLINE)


def _course(tmp_path, body: str = "", *, rounding: str = "ceil", extension: str = "") -> os.PathLike:
    path = tmp_path / "course.toml"
    path.write_text(f"""[course]
name = "test course"

[deadlines]
conv2d-forward = {DEADLINE}

[late]
per = "day"
percent = 10
rounding = "{rounding}"
{extension}
{body}""")
    return path


def _result(name: str, score: float, max_score: float = 10.0, **kw) -> SubmissionResult:
    groups = [GroupResult("shape", min(score, 4.0), 4.0, "passed" if score >= 4 else "failed"),
              GroupResult("padding", max(0.0, score - 4.0), max_score - 4.0,
                          "passed" if score == max_score else "failed")]
    status = "passed" if score == max_score else "failed"
    return SubmissionResult(name, "conv2d-forward", score, max_score, status, groups, **kw)


def _late(days: float) -> str:
    return (AT_DEADLINE + dt.timedelta(days=days)).isoformat()


def _times(tmp_path, rows: dict[str, str]):
    path = tmp_path / "times.csv"
    path.write_text("submission,submitted_at\n" + "".join(f"{k},{v}\n" for k, v in rows.items()))
    return path


def _csv(path):
    return list(csv.DictReader(path.open(newline="", encoding="utf-8")))


def _rows(path):
    return list(csv.reader(path.open(newline="", encoding="utf-8")))


EXTENSION_FOR_BEN = """
[[extensions]]
submission = "ben"
days = 2
reason = "medical"
by = "prof.lee"
"""


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("submission,name,email,student_id,canvas_id\n"
                    "ada,Ada,ada@x.edu,S1,101\nben,Ben,ben@x.edu,S2,102\ncid,Cid,cid@x.edu,S3,103\n")
    return load_roster(path)


def test_late_by_one_and_a_half_days_with_an_extension_in_grades_and_exports(tmp_path, roster):
    """The issue's case: 1.5 days late at 10% per day; ben has a 2-day extension."""
    course = _course(tmp_path, extension=EXTENSION_FOR_BEN)
    times = _times(tmp_path, {"ada": _late(1.5), "ben": _late(1.5), "cid": _late(-1)})
    policy = ClassPolicy.for_class(course, times, exercise="conv2d-forward")
    results = [_result("ada", 10.0), _result("ben", 10.0), _result("cid", 7.0)]
    write_outputs(results, out_dir=tmp_path / "out", exports=("canvas", "moodle", "csv"), roster=roster,
                  policy=policy)
    out = tmp_path / "out"
    # ada: 2 started days late -> 20% of 10 = 2 points off; ben: within his extension; cid: early.
    expected = {"ada": ("10", "2", "8"), "ben": ("10", "0", "10"), "cid": ("7", "0", "7")}
    grades = _csv(out / "grades.csv")
    assert {r["submission"]: (r["raw_score"], r["penalty"], r["final_score"]) for r in grades} == expected
    assert [r["score"] for r in grades] == ["10", "10", "7"]  # score stays the raw score (status agrees)
    assert {r["submission"]: r["time_source"] for r in grades} == dict.fromkeys(expected, "lms")
    assert grades[0]["late_hours"] == "36"

    canvas = _rows(out / "canvas.csv")
    assert canvas[1][-1] == "10"  # Points Possible
    assert {row[1]: row[-1] for row in canvas[2:]} == {"101": "8", "102": "10", "103": "7"}
    moodle = _rows(out / "moodle.csv")
    by_email = {row[0]: row for row in moodle[1:]}
    assert {k: v[2] for k, v in by_email.items()} == {"ada@x.edu": "8", "ben@x.edu": "10", "cid@x.edu": "7"}
    assert "-20% (2 points)" in by_email["ada@x.edu"][3] and "extension granted (medical)" in by_email["ben@x.edu"][3]
    gradebook = {r["submission"]: r for r in _csv(out / "gradebook.csv")}
    assert (gradebook["ada"]["score"], gradebook["ada"]["percent"], gradebook["ada"]["raw_score"],
            gradebook["ada"]["penalty"]) == ("8", "80", "10", "2")

    records = {g["submission"]: g for g in json.loads((out / "grades.json").read_text())}
    assert (records["ada"]["raw_score"], records["ada"]["penalty"], records["ada"]["final_score"]) == (10, 2, 8)
    assert records["ada"]["policy"]["penalty_percent"] == 20
    assert records["ben"]["policy"]["deadline"] == "2026-11-22T23:59:00+01:00"
    assert records["ben"]["policy"]["extension"] == {"reason": "medical", "by": "prof.lee", "hours": 48}
    assert json.loads((out / "ada" / "results.json").read_text())["score"] == 8
    assert "Final score: 8 / 10" in (out / "ada" / "feedback.md").read_text()


def test_exact_rounding_counts_fractional_days(tmp_path):
    policy = ClassPolicy.for_class(_course(tmp_path, rounding="exact"), _times(tmp_path, {"ada": _late(1.5)}),
                                   exercise="conv2d-forward")
    outcome = policy.apply(_result("ada", 10.0))
    assert (outcome.penalty_percent, outcome.penalty, outcome.final_score) == (pytest.approx(15.0), 1.5, 8.5)


@pytest.mark.parametrize("late, grace, rounding, percent", [
    (dt.timedelta(minutes=10), 15, "ceil", 0.0),    # inside the grace period
    (dt.timedelta(minutes=16), 15, "ceil", 10.0),   # past it: counted from the deadline, one started day
    (dt.timedelta(days=1), 0, "ceil", 10.0),        # exactly one day is one day, not two
    (dt.timedelta(days=1, seconds=1), 0, "ceil", 20.0),
    (dt.timedelta(days=9), 0, "ceil", 50.0),        # capped
    (dt.timedelta(hours=-3), 0, "ceil", 0.0),       # early
    (dt.timedelta(hours=6), 0, "exact", 2.5),
])
def test_the_late_rule(late, grace, rounding, percent):
    rule = LateRule(per="day", percent=10, max_percent=50, grace=dt.timedelta(minutes=grace), rounding=rounding)
    assert 100 * rule.fraction(late) == pytest.approx(percent)


def test_per_hour_and_of_max_score(tmp_path):
    path = tmp_path / "course.toml"
    path.write_text(f'[deadlines]\nconv2d-forward = {DEADLINE}\n[late]\nper = "hour"\npercent = 5\nof = "max_score"\n')
    policy = ClassPolicy.for_class(path, _times(tmp_path, {"ada": _late(2.5 / 24), "ben": _late(1)}),
                                   exercise="conv2d-forward")
    ada = policy.apply(_result("ada", 6.0))   # 3 started hours: 15% of the maximum 10 = 1.5
    ben = policy.apply(_result("ben", 3.0))   # 24 hours: 100% of 10, but never below zero
    assert (ada.penalty, ada.final_score) == (1.5, 4.5)
    assert (ben.penalty, ben.final_score) == (3.0, 0.0)


def test_a_grade_the_grader_could_not_compute_stays_ungraded(tmp_path, roster):
    course = _course(tmp_path)
    policy = ClassPolicy.for_class(course, _times(tmp_path, {"ada": _late(3)}), exercise="conv2d-forward")
    broken = SubmissionResult("ada", "conv2d-forward", 0.0, 10.0, "error", [], "the grader failed",
                              verdict="grader_error")
    write_outputs([broken], out_dir=tmp_path / "out", exports=("canvas", "csv"), roster=roster, policy=policy)
    grades = _csv(tmp_path / "out" / "grades.csv")
    assert (grades[0]["penalty"], grades[0]["final_score"]) == ("", "")
    record = json.loads((tmp_path / "out" / "grades.json").read_text())[0]
    assert record["final_score"] is None and record["penalty"] is None
    assert _rows(tmp_path / "out" / "canvas.csv")[2][-1] == ""  # an empty cell, never a 0
    assert _csv(tmp_path / "out" / "gradebook.csv")[0]["score"] == ""


def test_overrides_name_who_and_why_and_come_last(tmp_path):
    course = _course(tmp_path, """
[[overrides]]
submission = "ada"
score = 9
reason = "partial credit for the derivation"
by = "ta.kim"

[[overrides]]
submission = "ben"
waive_late = true
reason = "LMS outage"
by = "prof.lee"
""")
    times = _times(tmp_path, {"ada": _late(3), "ben": _late(3)})
    policy = ClassPolicy.for_class(course, times, exercise="conv2d-forward")
    ada, ben = policy.apply(_result("ada", 4.0)), policy.apply(_result("ben", 10.0))
    assert ada.final_score == 9 and ada.override.by == "ta.kim"
    assert (ben.penalty, ben.final_score) == (0.0, 10.0)
    ungraded = policy.apply(SubmissionResult("ada", "conv2d-forward", 0.0, 10.0, "error", [], verdict="grader_error"))
    assert ungraded.final_score == 9  # a person gave the grade


def test_times_fall_back_to_file_times_and_say_so(tmp_path):
    from grader.batch.discovery import scan

    klass = tmp_path / "class"
    klass.mkdir()
    for name in ("ada", "ben"):
        (klass / f"{name}.py").write_text("x = 1\n")
    stamp = (AT_DEADLINE + dt.timedelta(hours=30)).timestamp()
    os.utime(klass / "ada.py", (stamp, stamp))
    policy = ClassPolicy.for_class(_course(tmp_path), _times(tmp_path, {"ben": _late(0)}),
                                   exercise="conv2d-forward", submissions=scan(klass).submissions)
    ada, ben = policy.apply(_result("ada", 10.0)), policy.apply(_result("ben", 10.0))
    assert (ada.time_source, ada.late_hours, ada.final_score) == ("file", 30.0, 8.0)
    assert (ben.time_source, ben.final_score) == ("lms", 10.0)
    assert policy.summary()["time_sources"] == {"file": 1, "lms": 1}


def test_no_course_keeps_the_old_outputs_and_adds_the_final_score(tmp_path):
    write_outputs([_result("ada", 7.0)], out_dir=tmp_path)
    assert list(_csv(tmp_path / "grades.csv")[0]) == ["submission", "score", "max_score", "status", "shape", "padding"]
    record = json.loads((tmp_path / "grades.json").read_text())[0]
    assert (record["score"], record["raw_score"], record["penalty"], record["final_score"]) == (7, 7, 0, 7)
    assert "policy" not in record


@pytest.mark.parametrize("text, message", [
    ("[deadlines]\nconv2d-forward = 2026-11-20T23:59:00\n",
     "[deadlines] conv2d-forward (line 2): 2026-11-20T23:59:00 has no UTC offset"),
    ("[deadlines]\nconv2d-forward = 2026-11-20\n", "is a date without a time"),
    ("[late]\npercent = 10\ndealine = 3\n", "[late] dealine (line 3): unknown key"),
    ("[lates]\npercent = 10\n", "[lates] (line 1): unknown table"),
    ("[late]\nper = \"week\"\n", "[late] per (line 2): must be \"day\" or \"hour\""),
    ("[late]\npercent = 110\n", "percent must be from 0 to 100, got 110"),
    ("[[overrides]]\nsubmission = \"ada\"\nscore = 3\nby = \"x\"\n",
     "[[overrides]] #1 reason (line 1): reason (why the grade changes) is required"),
    ("[[extensions]]\nsubmission = \"ada\"\n\n[[extensions]]\nsubmission = \"ben\"\ndays = 1\nhours = 2\n",
     "[[extensions]] #1 (line 1): give exactly one of days, hours or until"),
    ("[[extensions]]\nsubmission = \"ada\"\ndays = 1\n[[extensions]]\nsubmission = \"ada\"\ndays = 2\n",
     "[[extensions]] #2 (line 4): a second entry for 'ada'"),
    ("[course]\ntimezone = \"Mars/Olympus\"\n", "unknown time zone 'Mars/Olympus'"),
    ("[late\n", "is not valid TOML"),
])
def test_course_file_mistakes_name_the_file_key_and_line(tmp_path, text, message):
    path = tmp_path / "course.toml"
    path.write_text(text)
    with pytest.raises(UserError) as info:
        load_course(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_a_course_timezone_gives_naive_times_their_zone(tmp_path):
    path = tmp_path / "course.toml"
    path.write_text('[course]\ntimezone = "Europe/Zurich"\n[deadlines]\nconv2d-forward = 2026-11-20T23:59:00\n')
    assert load_course(path).deadlines["conv2d-forward"] == AT_DEADLINE  # Zurich is +01:00 in November
    times = _times(tmp_path, {"ada": "2026-11-21 23:59:00"})
    assert load_times(times, zone=load_course(path).zone)["ada"].at == AT_DEADLINE + dt.timedelta(days=1)
    with pytest.raises(UserError, match=r"times.csv, line 2: .*has no UTC offset"):
        load_times(times)


def test_an_override_above_the_maximum_is_refused(tmp_path):
    course = _course(tmp_path, '[[overrides]]\nsubmission = "ada"\nscore = 11\nreason = "r"\nby = "b"\n')
    policy = ClassPolicy.for_class(course, exercise="conv2d-forward")
    with pytest.raises(UserError, match=r"course.toml line \d+: the override gives 'ada' 11 points, more than the 10"):
        policy.apply(_result("ada", 4.0))


def test_times_without_a_course_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="--times needs --course"):
        ClassPolicy.for_class(None, _times(tmp_path, {}), exercise="conv2d-forward")


def test_the_report_shows_the_policy_and_what_it_changed(tmp_path):
    course = _course(tmp_path, extension=EXTENSION_FOR_BEN.replace('"medical"', '"<b>medical</b>"'))
    policy = ClassPolicy.for_class(course, _times(tmp_path, {"ada": _late(1.5), "ben": _late(1.5)}),
                                   exercise="conv2d-forward")
    write_outputs([_result("ada", 10.0), _result("ben", 10.0)], out_dir=tmp_path / "out", policy=policy)
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<h2>Course policy</h2>" in html and "10% of the score per started day late" in html
    assert "&lt;b&gt;medical&lt;/b&gt;" in html and "<b>medical</b>" not in html
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [(c["submission"], c["final_score"]) for c in report["policy"]["changed"]] == [("ada", 8), ("ben", 10)]
