"""Every plain-file submission under tests/checker/submissions/<exercise>/ grades as it must:
correct styles (loops, vectorised, einsum/im2col, float32...) score full marks; each buggy file
loses points and, when it carries ``# expect: KEY``, its misconception KEY is named.

Grading uses a reduced example budget (same code path as real grading) to keep the suite fast.
"""

from __future__ import annotations

import pytest

from checker_support import SUBMISSIONS, expectation, quick

from grader.checker import check_submission, code_exercises

#: The exercises whose submissions this file sweeps (batchnorm2d, dropout and residual-block
#: have their own test module).
SWEPT = {"conv2d_forward": "conv2d-forward", "conv2d_backward": "conv2d-backward",
         "maxpool2d": "maxpool2d", "avgpool2d": "avgpool2d", "relu": "relu", "linear": "linear"}
CASES = [(folder, path) for folder in SWEPT for path in sorted((SUBMISSIONS / folder).glob("*.py"))]


@pytest.mark.parametrize("folder,path", CASES, ids=[f"{f}/{p.stem}" for f, p in CASES])
def test_submission_grades_as_expected(folder, path):
    result = check_submission(path, exercise=quick(SWEPT[folder]))
    expected = expectation(path)
    if expected is None:
        failing = {t.name: t.output for t in result.tests if t.status != "passed"}
        assert result.status == "passed" and result.score == result.max_score, failing
    else:
        assert result.status == "failed" and result.score < result.max_score
        if expected != "-":
            assert expected in result.misconceptions, result.feedback


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


@pytest.mark.parametrize("name", sorted(SWEPT.values()))
def test_model_solution_scores_full_marks_with_the_real_budget(name):
    result = check_submission(SUBMISSIONS.parents[2] / "solutions" / f"{name.replace('-', '_')}.py")
    assert result.status == "passed", result.feedback
