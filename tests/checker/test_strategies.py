"""Input strategies always produce valid geometry, and reject invalid bounds when built."""

import numpy as np
import pytest
from hypothesis import given, settings

from grader.checker import refs
from grader.checker.strategies import conv_cases, linear_cases, pool_cases


@settings(max_examples=40, deadline=None, database=None)
@given(conv_cases(batch=(1, 2), channels=(1, 3), filters=(1, 3), stride=(1, 4), padding=(0, 3), tuple_args=True,
                  dout=True))
def test_conv_cases_fit_the_kernel_and_dout_matches_the_output(case):
    dout, x, w, b = case.args
    ph, pw = refs.pair(case.kwargs["padding"])
    assert x.shape[2] + 2 * ph >= w.shape[2] and x.shape[3] + 2 * pw >= w.shape[3]
    assert 1 <= x.shape[2] <= 12 and x.shape[1] == w.shape[1] and b.shape == (w.shape[0],)
    # The torch reference's output shape, not the strategy's own size formula.
    assert dout.shape == refs.conv2d(x, w, b, **case.kwargs).shape
    assert np.all(x * 4 == np.round(x * 4)) and np.abs(x).max(initial=0) <= 2  # quarter grid


@settings(max_examples=40, deadline=None, database=None)
@given(pool_cases(stride="overlap", tuple_args=True, dout=True))
def test_pool_cases_overlap_and_hold_distinct_values(case):
    dout, x, k, s = case.args
    assert all(1 <= si < ki for si, ki in zip(s, k))
    assert x.shape[2] >= k[0] and x.shape[3] >= k[1]
    assert len(np.unique(x)) == x.size
    assert dout.shape == refs.max_pool2d(x, k, s).shape


@settings(max_examples=20, deadline=None, database=None)
@given(pool_cases())
def test_pool_cases_leave_out_the_default_stride(case):
    assert len(case.args) == 2 and isinstance(case.args[1], int)


@settings(max_examples=20, deadline=None, database=None)
@given(linear_cases(dout=True))
def test_linear_cases_shapes(case):
    dout, x, w, b = case.args
    assert x.shape[1] == w.shape[1] and dout.shape == (x.shape[0], w.shape[0]) and b.shape == (w.shape[0],)


@pytest.mark.parametrize("build,message", [
    (lambda: conv_cases(size=(0, 12)), "size must be a (min, max) pair of ints with 1 <= min <= max, got (0, 12)"),
    (lambda: conv_cases(kernel=(5, 3)), "kernel must be a (min, max) pair of ints with 1 <= min <= max, got (5, 3)"),
    (lambda: conv_cases(kernel=(6, 6), size=(1, 4)), "kernel minimum 6 cannot fit size maximum 4"),
    (lambda: pool_cases(kernel=(1, 1), stride="overlap"), "stride='overlap' needs kernels of at least 2"),
    (lambda: linear_cases(batch=(2, 1)), "batch must be a (min, max) pair of ints with 1 <= min <= max, got (2, 1)"),
    (lambda: conv_cases(padding=(-1, 2)), "padding must be a (min, max) pair of ints with 0 <= min <= max, got (-1, 2)"),
])
def test_invalid_bounds_raise_one_named_error(build, message):
    with pytest.raises(ValueError) as info:
        build()
    assert str(info.value) == message
