"""The cheap-checks-first comparison: one exact sentence per kind of wrong output."""

import numpy as np
import pytest

from grader.checker.compare import check_output, format_array, where_different
from grader.checker.spec import Tolerance

TOL = Tolerance()
EXPECTED = np.zeros((1, 2, 3, 3))


@pytest.mark.parametrize("got,message", [
    (None, "conv2d_forward returned None; expected an array of shape (1, 2, 3, 3)."),
    ((np.zeros(1), np.zeros(1)), "conv2d_forward returned a tuple of 2 values; expected one array of shape (1, 2, 3, 3)."),
    (np.zeros((1, 2, 2, 2)), "conv2d_forward returned an array of shape (1, 2, 2, 2); expected shape (1, 2, 3, 3)."),
    (np.full((1, 2, 3, 3), np.nan), "conv2d_forward returned an array with 18 NaN or infinite value(s) (first at index "
                                    "(0, 0, 0, 0)); expected finite numbers."),
    (np.array(["a"]), "conv2d_forward returned a value of type <U1; expected real numbers."),
])
def test_each_wrong_output_gets_its_exact_message(got, message):
    assert check_output(got, EXPECTED, function="conv2d_forward", tol=TOL) == message


def test_wrong_values_name_the_worst_position_with_expected_and_got():
    got = EXPECTED.copy()
    got[0, 1, 2, 0] = 0.5
    got[0, 0, 0, 0] = -0.25
    assert check_output(got, EXPECTED, function="conv2d_forward", tol=TOL) == (
        "conv2d_forward returned wrong values at 2 of 18 positions; at index (0, 1, 2, 0) expected 0, got 0.5.")
    assert where_different(got, EXPECTED, TOL) == "(0, 0, 0, 0), (0, 1, 2, 0)"


def test_named_outputs_of_a_tuple_say_which_gradient():
    message = check_output(np.zeros((2, 2)), np.zeros((3,)), function="conv2d_backward", tol=TOL, output="db")
    assert message == "conv2d_backward returned db of shape (2, 2); expected shape (3,)."
    assert check_output(None, np.zeros(3), function="conv2d_backward", tol=TOL, output="db") == (
        "conv2d_backward returned None for db; expected an array of shape (3,).")


def test_tolerance_passes_float32_rounding_but_not_a_real_error():
    expected = np.linspace(-3, 3, 50)
    assert check_output(expected.astype(np.float32), expected, function="f", tol=TOL) is None
    assert check_output(expected + 1e-3, expected, function="f", tol=TOL) is not None
    assert check_output(np.zeros(50, dtype=bool) | True, np.ones(50), function="f", tol=TOL) is None


def test_shape_only_mode_ignores_values_but_not_shapes():
    assert check_output(np.ones((1, 2, 3, 3)), EXPECTED, function="f", tol=TOL, values=False) is None
    assert check_output(np.ones((1, 2, 3)), EXPECTED, function="f", tol=TOL, values=False) is not None


def test_small_arrays_print_in_full():
    text = format_array(np.array([[0.25, -1.5], [2.0, 0.0]]))
    assert "0.25" in text and "-1.5" in text and "shape=(2, 2)" in text
