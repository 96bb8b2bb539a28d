"""Input strategies always produce valid geometry, draw what each group's scope needs (sides,
wide magnitudes, tiny values, minimum output sizes), and reject invalid bounds when built."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.checker import refs
from grader.checker.strategies import TINY_EXPONENTS, array_cases, conv_cases, linear_cases, pool_cases, values


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
    (lambda: conv_cases(sides="round"), "sides must be one of 'square', 'any', 'non_square', got 'round'"),
    (lambda: pool_cases(magnitude=-1), "magnitude must be an int exponent bound in [0, 60], got -1"),
    (lambda: conv_cases(min_output=0), "min_output must be an int >= 1, got 0"),
])
def test_invalid_bounds_raise_one_named_error(build, message):
    with pytest.raises(ValueError) as info:
        build()
    assert str(info.value) == message


@settings(max_examples=40, deadline=None, database=None)
@given(st.sampled_from(["square", "non_square"]).flatmap(
    lambda sides: st.tuples(st.just(sides), conv_cases(stride=(1, 3), padding=(0, 2), tuple_args=True, sides=sides,
                                                       min_output=3, kernel=(1, 4)))))
def test_conv_cases_sides_and_minimum_output(drawn):
    sides, case = drawn
    x, w, b = case.args
    h, w_ = x.shape[2:]
    if sides == "square":
        assert h == w_ and w.shape[2] == w.shape[3]
    else:
        assert h != w_
    out = refs.conv2d(x, w, b, **case.kwargs)
    assert min(out.shape[2:]) >= 3


def _conv_float32(x, w, b, stride, padding):
    """A float32 convolution (im2col), for the exactness claim of the wide magnitudes."""
    (sh, sw), (ph, pw) = refs.pair(stride), refs.pair(padding)
    xp = np.pad(x.astype(np.float32), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = w.shape
    cols = np.lib.stride_tricks.sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::sh, ::sw]
    out = np.einsum("nchwuv,fcuv->nfhw", cols, w.astype(np.float32)) + b.astype(np.float32)[None, :, None, None]
    return out.astype(np.float64)


@settings(max_examples=40, deadline=None, database=None)
@given(conv_cases(batch=(1, 3), channels=(1, 4), filters=(1, 4), stride=(1, 2), padding=(0, 2), tuple_args=True,
                  magnitude=10, sides="any", dout=True))
def test_wide_magnitudes_are_exact_in_float32_and_keep_every_output_at_least_on_the_grid(case):
    dout, x, w, b = case.args
    expected = refs.conv2d(x, w, b, **case.kwargs)
    # Powers of two change no mantissa: a float32 implementation gets the float64 answer exactly.
    assert np.array_equal(_conv_float32(x, w, b, case.kwargs["stride"], case.kwargs["padding"]), expected)
    # Each array is grid values times one power of two, and nothing falls below the grid's
    # scale (1/16 for products), where the tolerance's absolute floor would hide it.
    def on_the_grid(a):  # multiples of 1/4 in [-2, 2]
        return np.all(np.mod(a * 4, 1) == 0) and np.abs(a).max(initial=0) <= 2

    for a in (x, w, b, dout):
        assert any(on_the_grid(a * 2.0 ** -e) for e in range(-20, 21)), a
    scale = lambda a: np.abs(a).max(initial=0)  # noqa: E731
    if scale(x) and scale(w):
        assert scale(x) * scale(w) >= 1 / 16
    for grad in refs.conv2d_grads(dout, x, w, b, **case.kwargs):
        assert np.all(np.isfinite(grad))
    assert scale(dout) == 0 or scale(dout) >= 1 / 4


@settings(max_examples=60, deadline=None, database=None)
@given(values((3, 4), tiny=True), values((5, 40), tiny=True))
def test_tiny_values_are_small_positive_or_negative_and_exact_in_float32(small, large):
    for a in (small, large):
        tiny = a[(a != 0) & (np.abs(a) < 2 ** -20)]
        assert np.array_equal(a.astype(np.float32).astype(np.float64), a)
        assert np.all(np.abs(tiny) <= 8 * 2.0 ** -TINY_EXPONENTS[0]) and np.all(np.abs(tiny) >= 2.0 ** -TINY_EXPONENTS[1])
    assert np.any((large > 0) & (large < 1e-6)) and np.any((large < 0) & (large > -1e-6))


def test_tiny_values_and_wide_magnitudes_shrink_back_to_the_grid():
    from hypothesis import find

    # The simplest array with a nonzero element: a single grid value, no tiny ones, no scale.
    simplest = find(array_cases(ndim=(1, 1), side=(1, 3), magnitude=20, tiny=True),
                    lambda c: np.any(c.args[0] != 0), settings=settings(database=None, derandomize=True))
    assert simplest.args[0].tolist() in ([0.25], [-0.25])


@settings(max_examples=30, deadline=None, database=None)
@given(pool_cases(batch=(2, 3), channels=(2, 3), kernel=(2, 4), stride=(2, 3), tuple_args=True, sides="non_square",
                  magnitude=8, min_output=4, distinct=False, dout=True))
def test_pool_cases_everything_at_once(case):
    dout, x, k, s = case.args
    assert x.shape[2] != x.shape[3] and min(dout.shape[2:]) >= 4
    assert dout.shape == refs.max_pool2d(x, k, s).shape
    assert np.abs(dout).max(initial=0) == 0 or np.abs(dout).max() >= 1 / 4
