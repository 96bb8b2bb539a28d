"""Every plain-file submission under tests/checker/submissions/<exercise>/ grades as it must:
correct styles (loops, vectorised, einsum/im2col, float32...) score full marks; each buggy file
loses points and its ``# expect:`` line says what the diagnosis must be (see
``checker_support.expectation``: a KEY named and nothing else, "silent", or "-"); a
``# loses:`` line lists exactly the groups it must fail (each group's scope is its feature).

Grading uses a reduced example budget (same code path as real grading) to keep the suite fast;
files with a ``# loses:`` line are graded with the real budget, since the exact set of lost
groups is a claim about the real grading.
"""

from __future__ import annotations

import pytest

from checker_support import SUBMISSIONS, check_diagnosis, expectation, lost_groups, quick

from grader.checker import check_submission, code_exercises

#: Exercises whose bug files are graded group by group in test_exercises_bn_dropout_residual.py
#: (each bug file is listed there with the group it must fail).
BY_GROUP = {"batchnorm2d", "dropout", "residual-block"}
#: Every other code exercise of the catalogue, by its submissions folder.
SWEPT = {name.replace("-", "_"): name for name in sorted(code_exercises()) if name not in BY_GROUP}
CASES = [(folder, path) for folder in SWEPT for path in sorted((SUBMISSIONS / folder).glob("*.py"))]


@pytest.mark.parametrize("folder,path", CASES, ids=[f"{f}/{p.stem}" for f, p in CASES])
def test_submission_grades_as_expected(folder, path):
    expected, loses = expectation(path), lost_groups(path)
    exercise = code_exercises()[SWEPT[folder]] if loses is not None else quick(SWEPT[folder])
    result = check_submission(path, exercise=exercise)
    if expected is None:
        failing = {t.name: t.output for t in result.tests if t.status != "passed"}
        assert result.status == "passed" and result.score == result.max_score, failing
        return
    assert result.status == "failed" and result.score < result.max_score
    check_diagnosis(result, expected)
    if loses is not None:
        failed = {t.name for t in result.tests if t.status != "passed"}
        assert failed == loses, (sorted(failed), result.feedback)


def test_every_code_exercise_has_a_submissions_folder():
    folders = {p.name for p in SUBMISSIONS.iterdir() if p.is_dir()}
    missing = {name for name in code_exercises() if name.replace("-", "_") not in folders}
    assert not missing


@pytest.mark.parametrize("folder,name", list(SWEPT.items()))
def test_every_misconception_has_a_buggy_file_and_three_correct_styles(folder, name):
    exercises = code_exercises()
    files = sorted((SUBMISSIONS / folder).glob("*.py"))
    expects = {expectation(p) for p in files}
    missing = [m.key for m in exercises[name].misconceptions if m.key not in expects]
    assert not missing, f"no buggy file for {missing}"
    assert sum(1 for p in files if expectation(p) is None) >= 3
    for bug in ("bug_off_by_one", "bug_transposed_axis", "bug_wrong_default"):
        assert (SUBMISSIONS / folder / f"{bug}.py").is_file()
    groups = {g.name for g in exercises[name].groups}
    for p in files:
        assert (lost_groups(p) or set()) <= groups, f"{p.name} lists an unknown group"


@pytest.mark.parametrize("name", sorted(SWEPT.values()))
def test_model_solution_scores_full_marks_with_the_real_budget(name):
    result = check_submission(SUBMISSIONS.parents[2] / "solutions" / f"{name.replace('-', '_')}.py")
    assert result.status == "passed", result.feedback
