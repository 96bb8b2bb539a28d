"""The batchnorm2d, dropout and residual-block exercises grade real submissions correctly.

Every submission under ``tests/checker/submissions/<exercise>/`` runs in the real sandbox
through ``check_submission``: the model solution and every ``correct_*.py`` (different
styles) score full marks on every group; every ``bug_*.py`` loses the points of the group
listed below, and its header's ``# expect:`` says what that group's diagnosis must be: a
catalogued KEY (named), "silent" (nothing named) or "-" (no requirement). A bug file is graded
on that one group only (groups are independent, so the group's result is the one full grading
gives) to keep the suite fast; a few are graded in full below, where the claim is about every
group (what a float32 batch norm loses, which diagnoses a dropout bug gets).
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest
from checker_support import SILENT, SUBMISSIONS, check_diagnosis, expectation

from exercises import batchnorm2d, dropout, residual_block
from grader.checker import check_submission
from grader.checker.grading import StudentFailure
from grader.sandbox import Rng

ROOT = Path(__file__).resolve().parents[2]
MODULES = {"batchnorm2d": batchnorm2d, "dropout": dropout, "residual_block": residual_block}

#: bug file -> the group that must lose its points (and name the expected misconception).
BUG_GROUPS = {
    "batchnorm2d": {
        "bug_unbiased_variance": "normalise",
        "bug_per_sample_statistics": "batch",
        "bug_batch_axis_only": "normalise",
        "bug_global_statistics": "per_channel",
        "bug_channels_last": "normalise",
        "bug_eps_outside_sqrt": "eps",
        "bug_gamma_beta_missing": "gamma_beta",
        "bug_gamma_beta_swapped": "gamma_beta",
        "bug_dx_statistics_constant": "dx",
        "bug_dx_mean_term_missing": "dx",
        "bug_dx_variance_term_missing": "dx",
        "bug_dx_gamma_missing": "dx",
        "bug_dgamma_from_x": "dgamma",
        "bug_param_grads_batch_only": "dbeta",
        "bug_off_by_one": "per_channel",
        "bug_transposed_axis": "dgamma",
        "bug_wrong_default": "defaults",
        "bug_one_pass_variance": "large_offset",
        "bug_float32_graph": "large_offset",
    },
    "dropout": {
        "bug_scaled_by_keep_probability": "scale",
        "bug_no_scaling": "scale",
        "bug_p_as_keep_probability": "drop_rate",
        "bug_mask_not_from_rng": "seeded",
        "bug_mask_scaled": "shape",
        "bug_mask_inverted": "mask_matches_output",
        "bug_backward_no_scaling": "backward_scale",
        "bug_backward_scaled_by_keep_probability": "backward_scale",
        "bug_backward_ignores_mask": "backward_mask",
        "bug_backward_p_as_keep_probability": "backward_scale",
        "bug_off_by_one": "mask_matches_output",
        "bug_transposed_axis": "shape",
        "bug_wrong_default": "p_zero",
        "bug_fixed_drop_count": "independence",
        "bug_mask_one_draw": "seeded",
        "bug_divides_by_p": "scale",
    },
    "residual_block": {
        "bug_relu_before_add": "relu_placement",
        "bug_extra_relu_before_add": "relu_placement",
        "bug_final_relu_missing": "relu_placement",
        "bug_inner_relu_missing": "relu_placement",
        "bug_shortcut_skipped": "identity",
        "bug_padding_zero": "same_padding",
        "bug_second_conv_strided": "stride",
        "bug_stride_ignored": "stride",
        "bug_projection_without_stride": "stride",
        "bug_projection_bias_missing": "projection",
        "bug_projection_ignored": "projection",
        "bug_off_by_one": "identity",
        "bug_transposed_axis": "same_padding",
        "bug_wrong_default": "defaults",
        "bug_same_padding_height_only": "same_padding",
    },
}

#: DESIGN.md 3.1, verbatim.
SIGNATURES = {
    "batchnorm2d": {"batchnorm2d_forward": "x, gamma, beta, eps=1e-5",
                    "batchnorm2d_backward": "dout, x, gamma, beta, eps=1e-5"},
    "dropout": {"dropout_forward": "x, p, rng", "dropout_backward": "dout, mask, p"},
    "residual_block": {"residual_block_forward": "x, w1, b1, w2, b2, stride=1, w_proj=None, b_proj=None"},
}


def _expected_key(path: Path) -> str:
    key = expectation(path)
    assert key, f"{path.name} has no '# expect:' header line"
    return key


def _full_marks_cases():
    for folder in MODULES:
        yield pytest.param(folder, ROOT / "solutions" / f"{folder}.py", id=f"{folder}-model")
        for path in sorted((SUBMISSIONS / folder).glob("correct_*.py")):
            yield pytest.param(folder, path, id=f"{folder}-{path.stem}")


def _bug_cases():
    for folder, table in BUG_GROUPS.items():
        for stem, group in table.items():
            yield pytest.param(folder, SUBMISSIONS / folder / f"{stem}.py", group, id=f"{folder}-{stem}")


@pytest.mark.parametrize("folder, path", list(_full_marks_cases()))
def test_model_solution_and_correct_styles_score_full_marks(folder, path):
    result = check_submission(path)  # the exercise comes from the header line
    assert result.exercise == MODULES[folder].EXERCISE.name
    failed = {t.name: t.output for t in result.tests if t.status != "passed"}
    assert not failed, failed
    assert (result.status, result.score) == ("passed", result.max_score)


@pytest.mark.parametrize("folder, path, group", list(_bug_cases()))
def test_buggy_submission_loses_points_and_names_its_misconception(folder, path, group):
    exercise = MODULES[folder].EXERCISE
    only = dataclasses.replace(exercise, groups=tuple(g for g in exercise.groups if g.name == group))
    assert len(only.groups) == 1, f"no group {group!r} in {exercise.name}"
    result = check_submission(path, exercise=only)
    [test] = result.tests
    assert (test.status, test.score) == ("failed", 0.0), test.output
    key = _expected_key(path)
    if key == SILENT:
        assert test.misconception is None and "Diagnosis:" not in test.output, test.output
    elif key != "-":
        message = next(m.message for m in exercise.misconceptions if m.key == key)
        assert test.misconception == key, test.output
        assert f"Diagnosis: {message}" in result.feedback


@pytest.mark.parametrize("folder", list(MODULES))
def test_every_misconception_has_a_buggy_file_and_three_correct_styles_exist(folder):
    exercise = MODULES[folder].EXERCISE
    files = {p.stem: p for p in (SUBMISSIONS / folder).glob("bug_*.py")}
    assert set(files) == set(BUG_GROUPS[folder]), "every bug file is listed with its group"
    named = {_expected_key(p) for p in files.values()} - {"-", SILENT}
    catalogue = {m.key for m in exercise.misconceptions}
    assert named == catalogue and len(catalogue) >= 4
    assert {"bug_off_by_one", "bug_transposed_axis", "bug_wrong_default"} <= set(files)
    assert len(list((SUBMISSIONS / folder).glob("correct_*.py"))) >= 3
    assert {g.name for g in exercise.groups} >= set(BUG_GROUPS[folder].values())


@pytest.mark.parametrize("folder", list(MODULES))
def test_signatures_and_starter_follow_the_design(folder):
    exercise = MODULES[folder].EXERCISE
    assert {f.name: f.params for f in exercise.functions} == SIGNATURES[folder]
    assert exercise.kind == "code" and exercise.version
    tree = ast.parse(exercise.starter())
    defined = {n.name: ast.unparse(n.args) for n in tree.body if isinstance(n, ast.FunctionDef)}
    design = {name: ast.unparse(ast.parse(f"def f({params}): pass").body[0].args)
              for name, params in SIGNATURES[folder].items()}
    assert defined == design
    assert exercise.starter().startswith(f"# cnngrade exercise: {exercise.name}\n")


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
