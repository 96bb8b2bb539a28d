"""The batchnorm2d, dropout and residual-block exercises: the claims their submission files
cannot make alone.

Every submission file of every code exercise is graded by test_submissions.py (its bug files
here carry a ``# fails: GROUP`` line: graded on that group alone, since their full grading is
slow), and what each folder must hold is the catalogue's contract (tests/test_catalogue.py).
This file tests the dropout properties on their own, in process with real generators, and the
few whole gradings where the claim is about every group (what a float32 batch norm loses,
which diagnoses a dropout bug gets).
"""

from __future__ import annotations

import numpy as np
import pytest
from checker_support import SUBMISSIONS, check_diagnosis, expectation

from exercises import dropout
from grader.checker import check_submission
from grader.checker.grading import StudentFailure
from grader.sandbox import Rng


def _expected_key(path) -> str:
    key = expectation(path)
    assert key, f"{path.name} has no '# expect:' header line"
    return key


# --- the dropout properties on their own (in process, with real generators) ------------------


def _model_call(seed_offset: int = 0, keep_probability: bool = False):
    """``call`` as the sandbox gives it to a property: Rng(seed) becomes default_rng(seed)."""
    def call(name, x, p, rng):
        gen = np.random.default_rng(rng.seed + seed_offset)
        keep = gen.random(x.shape) < p if keep_probability else gen.random(x.shape) >= p
        return x * keep / (1 - p), keep.astype(float)
    return call


def test_drop_rate_bound_is_hoeffding_at_one_in_a_billion():
    # 2 exp(-2 n t^2) = 1e-9 at n = 1024 gives t = 0.1023; 0.5 is never drawn, so p and 1 - p
    # are at least 0.4 apart: more than two bounds.
    assert dropout._hoeffding(1024) == pytest.approx(0.1023, abs=1e-4)
    assert 2 * np.exp(-2 * 1024 * dropout._hoeffding(1024) ** 2) == pytest.approx(1e-9)
    assert min(abs(1 - 2 * p) for p in dropout.P_VALUES) > 2 * dropout._hoeffding(1024)


def test_drop_rate_property_passes_a_correct_dropout_for_many_seeds_and_flags_swapped_p():
    x = np.ones((4, 16, 16))
    rate = dropout._prop(dropout._rate)
    for p in dropout.P_VALUES:
        for seed in range(40):
            case = dropout.Case((x, p, Rng(seed)))
            assert rate(case, _model_call()) is None, (p, seed)
        failure = rate(dropout.Case((x, p, Rng(0))), _model_call(keep_probability=True))
        assert failure is not None and failure.misconception == "p_as_keep_probability"


def test_seeded_property_needs_the_mask_from_the_given_generator():
    case = dropout.Case((np.ones((8, 8)), 0.5, Rng(3)))
    seeded = dropout._prop(dropout._seeded)
    assert seeded(case, _model_call()) is None
    calls = iter(range(100))
    drifting = lambda name, x, p, rng: _model_call(seed_offset=next(calls))(name, x, p, rng)  # noqa: E731
    failure = seeded(case, drifting)
    assert failure is not None and failure.misconception == "mask_not_from_rng"


def test_a_student_exception_inside_a_property_is_not_swallowed():
    def crash(*_args, **_kwargs):
        raise StudentFailure("ValueError: boom (solution.py, line 3)")
    with pytest.raises(StudentFailure):
        dropout._prop(dropout._scale)(dropout.Case((np.ones(3), 0.5, Rng(0))), crash)


# --- whole gradings where the claim is about every group --------------------------------------


def test_a_float32_batch_norm_loses_exactly_the_two_large_offset_groups():
    # float32 holds about 7 digits: 1e7 + 0.25 rounds to 1e7, so no float32 code can pass the
    # large-offset groups, and every other group, wide magnitudes included, must still pass.
    result = check_submission(SUBMISSIONS / "batchnorm2d" / "bug_float32_graph.py")
    failed = {t.name for t in result.tests if t.status != "passed"}
    assert failed == {"large_offset", "backward_large_offset"}, result.feedback
    assert not result.misconceptions


@pytest.mark.parametrize("stem", ["bug_fixed_drop_count", "bug_mask_one_draw", "bug_divides_by_p",
                                  "bug_p_as_keep_probability", "bug_mask_not_from_rng"])
def test_dropout_mistakes_are_named_right_or_not_at_all_in_every_group(stem):
    path = SUBMISSIONS / "dropout" / f"{stem}.py"
    result = check_submission(path)
    assert result.score < result.max_score
    check_diagnosis(result, _expected_key(path))


# --- the independence properties on their own (in process, with real generators) -------------


def _permutation_call(name, x, p, rng):
    """Drops exactly round(p * n) elements, a random subset (not independent)."""
    gen = np.random.default_rng(rng.seed)
    keep = np.ones(x.size)
    keep[gen.permutation(x.size)[:round(p * x.size)]] = 0
    keep = keep.reshape(x.shape)
    return x * keep / (1 - p), keep


def _one_draw_call(name, x, p, rng):
    keep = np.full(x.shape, float(np.random.default_rng(rng.seed).random() >= p))
    return x * keep / (1 - p), keep


@pytest.mark.parametrize("q", [0.01, 0.1, 0.3, 0.5, 0.81, 0.99])
def test_binomial_intervals_leave_at_most_the_given_tail_on_each_side(q):
    from math import comb

    lo, hi = dropout._binomial_interval(dropout.TRIALS, q, 1e-9)
    pmf = [comb(dropout.TRIALS, k) * q ** k * (1 - q) ** (dropout.TRIALS - k) for k in range(dropout.TRIALS + 1)]
    assert sum(pmf[:lo]) <= 1e-9 and sum(pmf[hi + 1:]) <= 1e-9
    # ... and they are the tightest such: one more value on either side would pass the tail.
    assert lo == 0 or sum(pmf[:lo + 1]) > 1e-9
    assert hi == dropout.TRIALS or sum(pmf[hi:]) > 1e-9


def test_independence_properties_pass_a_correct_dropout_and_name_the_two_mistakes():
    marginal, independent = dropout._prop(dropout._marginal), dropout._prop(dropout._independent)
    for seed in range(0, 4000, 500):
        for p in dropout.MARGINAL_P:
            for n in (1, 2, 3):
                assert marginal(dropout.Case((np.ones(n), p, Rng(seed))), _model_call()) is None, (seed, p, n)
        for p in dropout.P_VALUES:
            for n in (2, 4, 6):
                assert independent(dropout.Case((np.ones(n), p, Rng(seed))), _model_call()) is None, (seed, p, n)
    # The example: a 1-element input at p = 0.3 is never dropped by a fixed count.
    failure = marginal(dropout.Case((np.ones(1), 0.3, Rng(7))), _permutation_call)
    assert failure is not None and failure.misconception == "fixed_drop_count"
    for p in dropout.P_VALUES:
        for n in (2, 3, 6):
            case = dropout.Case((np.ones(n), p, Rng(11)))
            assert independent(case, _permutation_call).misconception == "fixed_drop_count", (p, n)
            assert independent(case, _one_draw_call).misconception == "mask_one_draw", (p, n)
