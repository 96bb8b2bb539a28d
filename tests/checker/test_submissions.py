"""Every plain-file submission under tests/checker/submissions/<module>/ grades as it must, for
every code exercise of the catalogue (walked, never listed here).

* A correct file (no ``# expect:`` line: loops, vectorised, einsum/im2col, float32...) scores
  full marks with the real budget, and its header line names its exercise.
* A buggy file loses points and its ``# expect:`` line says what the diagnosis must be (see
  ``checker_support.expectation``: a KEY named and nothing else, "silent", or "-"). How it is
  graded depends on its header:

  - ``# loses: GROUP ...``: graded in full with the real budget, it fails exactly those
    groups (a claim about real grading: each group's scope is its feature);
  - ``# fails: GROUP``: graded on that group alone with the real budget (groups are
    independent, so the result is the one full grading gives there), it loses the group and
    gets its diagnosis there: the cheap claim, for exercises whose full grading is slow;
  - neither: graded in full with a reduced example budget (the same code path, fewer calls).

What each exercise's folder must hold (a buggy file per misconception, three correct styles...)
is the catalogue's contract, tests/test_catalogue.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from checker_support import (check_diagnosis, expectation, failing_group, lost_groups, quick,
                             submissions_folder)

from grader.checker import check_submission, code_exercises

CASES = [(name, path) for name, exercise in sorted(code_exercises().items())
         for path in sorted(submissions_folder(exercise).glob("*.py"))]


@pytest.mark.parametrize("name,path", CASES, ids=[f"{n}/{p.stem}" for n, p in CASES])
def test_submission_grades_as_expected(name, path):
    expected, loses, fails = expectation(path), lost_groups(path), failing_group(path)
    exercise = code_exercises()[name]
    if expected is None:
        result = check_submission(path)  # the exercise comes from the header line
        assert result.exercise == name, f"{path.name}'s header names {result.exercise}"
        failing = {t.name: t.output for t in result.tests if t.status != "passed"}
        assert result.status == "passed" and result.score == result.max_score, failing
        return
    if fails is not None:
        only = dataclasses.replace(exercise, groups=tuple(g for g in exercise.groups if g.name == fails))
        assert only.groups, f"{path.name}: no group {fails!r} in {name}"
        result = check_submission(path, exercise=only)
        [test] = result.tests
        assert (test.status, test.score) == ("failed", 0.0), test.output
    else:
        result = check_submission(path, exercise=exercise if loses is not None else quick(name))
        assert result.status == "failed" and result.score < result.max_score
    check_diagnosis(result, expected)
    message = next((m.message for m in exercise.misconceptions if m.key == expected), None)
    if message is not None:  # the student reads the catalogue's sentence
        assert f"Diagnosis: {message}" in result.feedback
    if loses is not None:
        failed = {t.name for t in result.tests if t.status != "passed"}
        assert failed == loses, (sorted(failed), result.feedback)
