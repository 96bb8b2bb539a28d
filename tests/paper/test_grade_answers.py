"""``grade-answers`` warns when the answers look written for other variants (another
--seed or --difficulty than the sheets), instead of silently grading everyone about 0;
and it never writes a traceback for an unwritable OUT."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from cli import main
from grader.paper import grade_answers, make_variants
from grader.paper.grading import variant_mismatch

KIND = "conv-output-shape"
STUDENTS = [f"s{i}" for i in range(8)]


def _write(tmp_path, variants, *, wrong=(), name="answers.csv", ids=None):
    """The answers CSV of students who answered their ``variants`` right, except the
    numbers listed in ``wrong`` (indices of students whose first number is off by one)."""
    rows = []
    for i, v in enumerate(variants):
        row = {"submission": (ids or STUDENTS)[i]}
        for j, (column, expected, _, _) in enumerate(v.cells()):
            row[column] = str(int(expected) + (1 if i in wrong and j == 0 else 0))
        rows.append(row)
    columns = sorted({c for r in rows for c in r} - {"submission"})
    path = tmp_path / name
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, ["submission", *columns])
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("submission,email\n" + "".join(f"{s},{s}@uni.example\n" for s in STUDENTS))
    return path


def _grade(tmp_path, roster, answers, *, seed, difficulty="medium"):
    return CliRunner().invoke(main, ["grade-answers", "--exercise", KIND, "--roster", str(roster),
                                     "--answers", str(answers), "--seed", str(seed),
                                     "--difficulty", difficulty, "--out", str(tmp_path / "out")])


def test_answers_for_another_seed_name_the_seed_to_use(tmp_path, roster):
    answers = _write(tmp_path, make_variants(KIND, seed=8, students=STUDENTS))
    res = _grade(tmp_path, roster, answers, seed=7)
    assert res.exit_code == 0, res.output
    warning = next(line for line in res.output.splitlines() if line.startswith("Warning:"))
    assert "they fit the variants of --seed 8 --difficulty medium" in warning
    assert "these grades used --seed 7 --difficulty medium" in warning
    fixed = _grade(tmp_path, roster, answers, seed=8)
    assert "Warning" not in fixed.output and "8 with full marks" in fixed.output


def test_answers_for_another_difficulty_name_the_difficulty_to_use(tmp_path, roster):
    answers = _write(tmp_path, make_variants(KIND, seed=7, students=STUDENTS, difficulty="hard"))
    res = _grade(tmp_path, roster, answers, seed=7, difficulty="medium")
    assert "fit the variants of --seed 7 --difficulty hard" in res.output


def test_answers_under_the_wrong_student_ids_are_named(tmp_path, roster):
    """Rows shifted by one (each row holds the next student's answers): the ids are suspect."""
    variants = make_variants(KIND, seed=7, students=STUDENTS)
    shifted = STUDENTS[1:] + STUDENTS[:1]
    answers = _write(tmp_path, variants, ids=shifted)
    res = _grade(tmp_path, roster, answers, seed=7)
    assert "and the answers of 's0' fit the variant of 's7'" in res.output  # s0's row holds s7's answers


def test_answers_that_fit_nothing_get_the_generic_warning():
    variants = make_variants(KIND, seed=7, students=STUDENTS)
    given = {s: {c: "123456" for c, *_ in v.cells()} for s, v in zip(STUDENTS, variants)}
    warning = variant_mismatch(KIND, variants, given, seed=7, difficulty="medium")
    assert warning.startswith("only 0 of the ")
    assert "check that --seed 7 --difficulty medium are the seed and difficulty" in warning


def test_an_honest_class_with_mistakes_gets_no_warning(tmp_path, roster):
    """Half the students get one number wrong, two hand nothing in: no variant warning."""
    variants = make_variants(KIND, seed=7, students=STUDENTS)
    answers = _write(tmp_path, variants[:6], wrong=(0, 1, 2))
    res = _grade(tmp_path, roster, answers, seed=7)
    assert res.exit_code == 0 and "Warning" not in res.output
    results, warnings = grade_answers(KIND, roster=roster, answers=answers, seed=7, out_dir=tmp_path / "o2")
    assert warnings == [] and sum(r.score == r.max_score for r in results) == 3


def test_a_class_that_mostly_answered_nothing_is_not_called_a_mismatch():
    variants = make_variants(KIND, seed=7, students=STUDENTS)
    given = {STUDENTS[0]: {c: "0" for c, *_ in variants[0].cells()[:2]}}
    assert variant_mismatch(KIND, variants, given, seed=7, difficulty="medium") is None


def test_grades_are_written_even_with_the_warning(tmp_path, roster):
    """The warning explains; it does not withhold the files (they show the zeros)."""
    answers = _write(tmp_path, make_variants(KIND, seed=8, students=STUDENTS))
    _grade(tmp_path, roster, answers, seed=7)
    grades = json.loads((tmp_path / "out" / "grades.json").read_text())
    assert len(grades) == len(STUDENTS)


def test_unwritable_out_is_one_line_and_exit_2(tmp_path, roster):
    answers = _write(tmp_path, make_variants(KIND, seed=7, students=STUDENTS))
    blocker = tmp_path / "afile"
    blocker.write_text("")
    res = CliRunner().invoke(main, ["grade-answers", "--exercise", KIND, "--roster", str(roster),
                                    "--answers", str(answers), "--seed", "7", "--out", str(blocker / "sub")])
    assert res.exit_code == 2, res.output
    assert res.output.splitlines()[0] == f"Error: cannot write into {blocker / 'sub'}: Not a directory"
    assert "Traceback" not in res.output


def test_a_bad_export_writes_nothing(tmp_path, roster):
    answers = _write(tmp_path, make_variants(KIND, seed=7, students=STUDENTS))
    res = CliRunner().invoke(main, ["grade-answers", "--exercise", KIND, "--roster", str(roster),
                                    "--answers", str(answers), "--out", str(tmp_path / "o"), "--export", "nope"])
    assert res.exit_code == 2 and "unknown export format" in res.output
    assert not (tmp_path / "o").exists()
