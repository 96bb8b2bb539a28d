"""LMS exports give every student their own percentage: points possible come per student
(``result.max_score``), never from the first row, and a paper exam's variants are all worth
the same (``PaperExercise.points``), so its Canvas and Moodle columns are raw points out of
that one total."""

from __future__ import annotations

import csv
import json

import pytest

from grader.batch.exports import GradeScale, grade_scale, percent
from grader.paper import grade_answers, make_variants
from grader.results import FAILED, PASSED, SubmissionResult
from grader.results import TestResult as GroupResult


def test_percent_is_computed_per_result():
    assert percent(1, 2) == 50.0 and percent(1, 1) == 100.0 and percent(2, 3) == 66.67
    assert percent(0, 0) == 0.0  # nothing could be scored (an ungraded error)


def test_one_column_scale_for_a_class():
    assert grade_scale([6, 6, 6]) == GradeScale(points_possible=6.0, as_percent=False)
    mixed = grade_scale([1, 2, 2])
    assert mixed == GradeScale(points_possible=100.0, as_percent=True)
    assert mixed.value(1, 1) == 100.0 and mixed.value(1, 2) == 50.0
    assert grade_scale([6, 6]).value(4.5, 6) == 4.5 and grade_scale([6]).label == "points out of 6"
    assert grade_scale([0, 0]).as_percent  # no positive common maximum: percentages (all 0)


def _csv(path):
    return list(csv.reader(path.open(newline="", encoding="utf-8")))


def _roster(tmp_path, ids):
    path = tmp_path / "roster.csv"
    path.write_text("submission,name,email,canvas_id\n"
                    + "".join(f"{s},Student {s},{s}@uni.example,{100 + i}\n" for i, s in enumerate(ids)))
    return path


def _answers(tmp_path, variants, right_share):
    """Each student answers the first round(share * n) numbers of their variant right."""
    rows = []
    for v, share in zip(variants, right_share):
        cells = v.cells()
        keep = round(share * len(cells))
        rows.append({"submission": v.student, **{c: (str(e) if i < keep else str(e + 1))
                                                 for i, (c, e, _, _) in enumerate(cells)}})
    columns = sorted({c for r in rows for c in r} - {"submission"})
    path = tmp_path / "answers.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, ["submission", *columns])
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("kind", ["pooling-by-hand", "conv-output-shape", "architecture-trace"])
def test_paper_exam_exports_give_every_student_their_percentage(tmp_path, kind):
    """Variants of very different shapes (1 to 32 numbers): Canvas's Points Possible and
    each grade, and Moodle's grade, are the student's own score out of the same total."""
    ids = [f"st{i:02d}" for i in range(12)]
    variants = make_variants(kind, seed=5, students=ids, difficulty="medium")
    assert len({len(v.cells()) for v in variants}) > 1  # the shapes differ...
    shares = [i / 11 for i in range(12)]
    results, _ = grade_answers(kind, roster=_roster(tmp_path, ids), answers=_answers(tmp_path, variants, shares),
                               seed=5, out_dir=tmp_path / "out", exports=("canvas", "moodle", "csv"))
    expected = {r.submission: percent(r.score, r.max_score) for r in results}
    assert len({r.max_score for r in results}) == 1  # ...the totals do not

    canvas = _csv(tmp_path / "out" / "canvas.csv")
    assert canvas[1][0].strip() == "Points Possible"
    possible = float(canvas[1][-1])
    by_id = {row[1]: float(row[-1]) for row in canvas[2:]}
    for i, s in enumerate(ids):
        assert percent(by_id[str(100 + i)], possible) == expected[s]

    moodle = _csv(tmp_path / "out" / "moodle.csv")
    by_email = {row[0]: float(row[1]) for row in moodle[1:]}
    for s in ids:
        assert percent(by_email[f"{s}@uni.example"], possible) == expected[s]

    gradebook = {row[0]: float(row[6]) for row in _csv(tmp_path / "out" / "gradebook.csv")[1:]}
    assert gradebook == expected


def _result(name, score, max_score):
    return SubmissionResult(submission=name, exercise="conv-output-shape", score=score, max_score=max_score,
                            status=PASSED if score == max_score else FAILED,
                            tests=[GroupResult(name="a", score=score, max_score=max_score,
                                              status=PASSED if score == max_score else FAILED, output="")],
                            feedback="")


def test_unequal_maxima_are_exported_as_percentages(tmp_path):
    """The issue's case: a 1/1 student exported as 1 of the first student's 2 points (50%)."""
    from grader.batch.exports import load_roster
    from grader.batch.outputs import write_outputs

    roster = load_roster(_roster(tmp_path, ["a", "b", "c"]))
    results = [_result("a", 1, 2), _result("b", 1, 1), _result("c", 3, 6)]
    write_outputs(results, out_dir=tmp_path / "out", exports=("canvas", "moodle"), roster=roster, report=False)
    canvas = _csv(tmp_path / "out" / "canvas.csv")
    possible = float(canvas[1][-1])
    got = {row[0]: percent(float(row[-1]), possible) for row in canvas[2:]}
    assert got == {"Student a": 50.0, "Student b": 100.0, "Student c": 50.0}
    moodle = _csv(tmp_path / "out" / "moodle.csv")
    assert "percent" in moodle[0][1]
    assert {row[0]: float(row[1]) for row in moodle[1:]} == {"a@uni.example": 50.0, "b@uni.example": 100.0,
                                                            "c@uni.example": 50.0}
    assert json.loads((tmp_path / "out" / "grades.json").read_text())[1]["max_score"] == 1
