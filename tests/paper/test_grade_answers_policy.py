"""``grade-answers --course``: a paper exam's late penalties and extensions, with times from
the answers file's ``submitted_at`` column or an LMS export, in grades.csv and the Canvas and
Moodle exports. Expected points are worked out by hand from the README's rule."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from cli import main
from grader.paper import make_variants

KIND = "conv-output-shape"
STUDENTS = ["ana", "bo", "cy"]
COURSE = """[deadlines]
conv-output-shape = 2026-11-20T23:59:00+01:00

[late]
per = "day"
percent = 10

[[extensions]]
submission = "bo"
exercise = "conv-output-shape"
days = 2
reason = "medical"
by = "prof.lee"
"""
LATE = "2026-11-22T11:59:00+01:00"  # 1.5 days after the deadline


def _files(tmp_path, *, with_times: bool):
    variants = make_variants(KIND, seed=3, students=STUDENTS, difficulty="medium")
    on_time = "2026-11-20T12:00:00+01:00"
    rows = []
    for v in variants:  # everybody answers right; ana and bo 1.5 days late, cy on time
        when = {"submitted_at": on_time if v.student == "cy" else LATE} if with_times else {}
        rows.append({"submission": v.student, **when, **{c: str(e) for c, e, _, _ in v.cells()}})
    columns = sorted({c for r in rows for c in r} - {"submission"})
    with (tmp_path / "answers.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["submission", *columns])
        writer.writeheader()
        writer.writerows(rows)
    (tmp_path / "roster.csv").write_text("submission,email,canvas_id\n"
                                         + "".join(f"{s},{s}@uni.example,{i}\n" for i, s in enumerate(STUDENTS)))
    (tmp_path / "course.toml").write_text(COURSE)
    return variants[0].max_score


def _invoke(tmp_path, *extra):
    return CliRunner().invoke(main, ["grade-answers", "--exercise", KIND, "--roster", str(tmp_path / "roster.csv"),
                                     "--answers", str(tmp_path / "answers.csv"), "--seed", "3", "--out",
                                     str(tmp_path / "out"), "--course", str(tmp_path / "course.toml"), *extra])


def _table(path):
    return list(csv.reader(path.open(newline="", encoding="utf-8")))


def test_late_answers_lose_points_unless_extended(tmp_path):
    points = _files(tmp_path, with_times=True)
    done = _invoke(tmp_path, "--export", "canvas", "--export", "moodle")
    assert done.exit_code == 0, done.output
    grades = {r["submission"]: r for r in csv.DictReader((tmp_path / "out" / "grades.csv").open(newline=""))}
    late_final = round(points * 0.8, 6)  # 2 started days at 10% of the (full) score
    assert float(grades["ana"]["final_score"]) == late_final and float(grades["ana"]["penalty"]) == pytest.approx(points * 0.2)
    assert float(grades["bo"]["final_score"]) == points  # within the extension
    assert float(grades["cy"]["final_score"]) == points  # on time
    assert {r["submission"]: r["time_source"] for r in grades.values()} == dict.fromkeys(STUDENTS, "lms")
    canvas = {row[1]: float(row[-1]) for row in _table(tmp_path / "out" / "canvas.csv")[2:]}
    assert canvas == {"0": late_final, "1": points, "2": points}
    moodle = {row[0]: float(row[1]) for row in _table(tmp_path / "out" / "moodle.csv")[1:]}
    assert moodle == {"ana@uni.example": late_final, "bo@uni.example": points, "cy@uni.example": points}


def test_an_lms_export_wins_and_without_times_nobody_is_late(tmp_path):
    points = _files(tmp_path, with_times=False)
    done = _invoke(tmp_path)
    assert done.exit_code == 0 and "no submission times" in done.output and "nobody is late" in done.output
    grades = list(csv.DictReader((tmp_path / "out" / "grades.csv").open(newline="")))
    assert {(r["time_source"], float(r["final_score"])) for r in grades} == {("none", points)}
    (tmp_path / "times.csv").write_text(f"submission,submitted_at\nana,{LATE}\n")
    assert _invoke(tmp_path, "--times", str(tmp_path / "times.csv")).exit_code == 0
    grades = {r["submission"]: r for r in csv.DictReader((tmp_path / "out" / "grades.csv").open(newline=""))}
    assert float(grades["ana"]["final_score"]) == round(points * 0.8, 6) and grades["ana"]["time_source"] == "lms"


def test_a_course_file_mistake_is_one_line_and_writes_nothing(tmp_path):
    _files(tmp_path, with_times=True)
    (tmp_path / "course.toml").write_text("[deadlines]\nconv-output-shape = 2026-11-20T23:59:00\n")
    done = _invoke(tmp_path)
    assert done.exit_code == 2 and "has no UTC offset" in done.output and not (tmp_path / "out").exists()
