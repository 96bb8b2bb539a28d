"""grader.reference.functional against independent numpy implementations (_independent.py).

Every layer's output and gradients (from ``vjp``) are compared, at the tolerances below,
with loops or closed forms written from the definitions, on random inputs (hypothesis)
including non-square shapes, per-axis and per-side strides and paddings, dilation and
groups. The same comparisons run on CUDA when a GPU is present (marked ``gpu``).
"""

from __future__ import annotations

import doctest
import re

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import _independent as ind
from grader.errors import UserError
from grader.reference import device as engine_device
from grader.reference import functional as F
from grader.reference import shapes

# float64 sums of a few hundred terms agree far below this; finite differences do not.
TOL = dict(rtol=1e-10, atol=1e-10)
FD_TOL = dict(rtol=1e-6, atol=1e-6)

DEVICES = [
    "cpu",
    pytest.param("cuda", marks=[
        pytest.mark.gpu,
        pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
    ]),
]

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def run(device, fn, *arrays, **kwargs):
    """fn on the arrays placed on ``device``; the result must stay there, returned as numpy."""
    out = fn(*[None if a is None else F.as_tensor(a, device=device) for a in arrays], **kwargs)
    first = out[0] if isinstance(out, tuple) else out
    assert first.device.type == device and first.dtype == torch.float64
    return F.to_numpy(out)


def grads(device, fn, arrays, dout, **kwargs):
    """vjp of fn on ``device``, as numpy arrays (None stays None)."""
    inputs = [None if a is None else F.as_tensor(a, device=device) for a in arrays]
    return F.to_numpy(F.vjp(fn, inputs, dout, **kwargs))


# --- the course notes' worked examples ----------------------------------------------------

COURSE_X = np.arange(9.0).reshape(1, 1, 3, 3)
COURSE_K = np.arange(4.0).reshape(1, 1, 2, 2)


def test_course_example_3x3_input_2x2_kernel():
    """0..8 cross-correlated with 0..3 gives 19, 25, 37, 43 (notes, 'Convolution')."""
    assert F.to_numpy(F.conv2d(COURSE_X, COURSE_K)).tolist() == [[[[19, 25], [37, 43]]]]


def test_course_example_padding_one():
    """Zero padding 1 gives a 4x4 output whose corner is 0*0 + 0*1 + 0*2 + 0*3 = 0 (by hand)."""
    expected = [[0, 3, 8, 4], [9, 19, 25, 10], [21, 37, 43, 16], [6, 7, 8, 0]]
    assert F.to_numpy(F.conv2d(COURSE_X, COURSE_K, padding=1))[0, 0].tolist() == expected


def test_course_example_stride_3_by_2():
    """Padding 1 with stride 3 for height and 2 for width gives [[0, 8], [6, 8]] (notes)."""
    out = F.conv2d(COURSE_X, COURSE_K, padding=1, stride=(3, 2))
    assert F.to_numpy(out)[0, 0].tolist() == [[0, 8], [6, 8]]


def test_course_example_5x5_input_3x3_filter():
    """The notes' 'vanilla 3x3 convolution' example."""
    x = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2],
                  [2, 0, 0, 0, 1]], dtype=float)[None, None]
    w = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=float)[None, None]
    expected = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    assert F.to_numpy(F.conv2d(x, w))[0, 0].tolist() == expected


# --- convolutions -------------------------------------------------------------------------


@st.composite
def conv_cases(draw, d, *, extra=4):
    """Valid conv geometry in ``d`` spatial axes, the padding given in one of its accepted
    forms: an int, one int per axis, or one (before, after) pair per axis."""
    groups = draw(st.integers(1, 3))
    C, C_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(d))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(d))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(d))
    pads = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(d))
    if draw(st.booleans()):
        pads = tuple((b, b) for b, _ in pads)
    sizes = tuple(
        draw(st.integers(max(1, dl * (k - 1) + 1 - b - a), dl * (k - 1) + 1 + extra))
        for k, dl, (b, a) in zip(kernel, dilation, pads)
    )
    if any(b != a for b, a in pads):
        padding = pads
    elif len({b for b, _ in pads}) == 1 and draw(st.booleans()):
        padding = pads[0][0]
    else:
        padding = tuple(b for b, _ in pads)
    return dict(N=draw(st.integers(1, 2)), C=C, C_out=C_out, groups=groups, kernel=kernel,
                stride=stride, dilation=dilation, pads=pads, padding=padding, sizes=sizes,
                bias=draw(st.booleans()), seed=draw(st.integers(0, 2**32 - 1)))


def _conv_check(device, fn, case):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["N"], case["C"], *case["sizes"]))
    w = rng.standard_normal((case["C_out"], case["C"] // case["groups"], *case["kernel"]))
    b = rng.standard_normal(case["C_out"]) if case["bias"] else None
    geometry = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"],
                    groups=case["groups"])
    got = run(device, fn, x, w, b, **geometry)
    expected = ind.conv_forward(x, w, b, case["stride"], case["pads"], case["dilation"],
                                case["groups"])
    np.testing.assert_allclose(got, expected, **TOL)

    dout = rng.standard_normal(expected.shape)
    dx, dw, db = grads(device, fn, (x, w, b), dout, **geometry)
    edx, edw, edb = ind.conv_backward(dout, x, w, case["stride"], case["pads"],
                                      case["dilation"], case["groups"])
    np.testing.assert_allclose(dx, edx, **TOL)
    np.testing.assert_allclose(dw, edw, **TOL)
    if b is None:
        assert db is None
    else:
        np.testing.assert_allclose(db, edb, **TOL)


@pytest.mark.parametrize("device", DEVICES)
@SETTINGS
@given(case=conv_cases(2))
def test_conv2d_matches_loops_forward_and_backward(device, case):
    """conv2d and its (dx, dw, db) equal the numpy loops for any stride/padding/dilation/groups."""
    _conv_check(device, F.conv2d, case)


@pytest.mark.parametrize("device", DEVICES)
@settings(SETTINGS, max_examples=15)
@given(case=conv_cases(1))
def test_conv1d_matches_loops_forward_and_backward(device, case):
    """conv1d and its gradients equal the numpy loops."""
    _conv_check(device, F.conv1d, case)


@pytest.mark.parametrize("device", DEVICES)
@settings(SETTINGS, max_examples=8)
@given(case=conv_cases(3, extra=2))
def test_conv3d_matches_loops_forward_and_backward(device, case):
    """conv3d and its gradients equal the numpy loops."""
    _conv_check(device, F.conv3d, case)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kernel, dilation, size", [
    ((3, 3), (1, 1), (5, 7)),
    ((2, 4), (1, 1), (4, 6)),      # even kernels: the odd padding row goes after
    ((3, 2), (2, 3), (6, 5)),
    ((1, 5), (1, 1), (3, 5)),
])
def test_conv2d_same_keeps_size_and_pads_extra_after(device, kernel, dilation, size):
    """'same' pads dilation*(K-1) per axis, floor half before, the rest after; 'valid' none."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, *size))
    w = rng.standard_normal((4, 3, *kernel))
    got = run(device, F.conv2d, x, w, padding="same", dilation=dilation)
    total = [dl * (k - 1) for k, dl in zip(kernel, dilation)]
    pads = [(t // 2, t - t // 2) for t in total]
    assert got.shape == (2, 4, *size)
    np.testing.assert_allclose(got, ind.conv_forward(x, w, None, (1, 1), pads, dilation, 1), **TOL)
    valid = run(device, F.conv2d, x, w, padding="valid", dilation=dilation)
    np.testing.assert_allclose(
        valid, ind.conv_forward(x, w, None, (1, 1), [(0, 0)] * 2, dilation, 1), **TOL)


@pytest.mark.parametrize("device", DEVICES)
def test_depthwise_conv2d_is_one_filter_per_channel(device):
    """groups = C: each output channel is input channel c correlated with filter c alone."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 5, 6))
    w = rng.standard_normal((3, 1, 3, 2))
    got = run(device, F.conv2d, x, w, stride=(2, 1), padding=(1, 0), groups=3)
    for c in range(3):
        alone = ind.conv_forward(x[:, c:c + 1], w[c:c + 1], None, (2, 1), [(1, 1), (0, 0)],
                                 (1, 1), 1)
        np.testing.assert_allclose(got[:, c:c + 1], alone, **TOL)


@st.composite
def transpose_cases(draw):
    groups = draw(st.integers(1, 2))
    C, C_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    output_padding = tuple(draw(st.integers(0, max(s, dl) - 1)) for s, dl in zip(stride, dilation))
    sizes = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    pads = []
    for n, k, s, dl, op in zip(sizes, kernel, stride, dilation, output_padding):
        full = (n - 1) * s + dl * (k - 1) + 1 + op
        before = draw(st.integers(0, min(2, full - 1)))
        after = draw(st.integers(0, min(2, full - 1 - before)))
        pads.append((before, after))
    symmetric = all(b == a for b, a in pads)
    padding = tuple(b for b, _ in pads) if symmetric and draw(st.booleans()) else tuple(pads)
    return dict(groups=groups, C=C, C_out=C_out, kernel=kernel, stride=stride,
                dilation=dilation, output_padding=output_padding, sizes=sizes,
                pads=tuple(pads), padding=padding, bias=draw(st.booleans()),
                seed=draw(st.integers(0, 2**32 - 1)))


@pytest.mark.parametrize("device", DEVICES)
@settings(SETTINGS, max_examples=20)
@given(case=transpose_cases())
def test_conv_transpose2d_matches_scatter_forward_and_backward(device, case):
    """conv_transpose2d equals the scatter-and-crop definition; gradients by finite
    differences (exact here: the layer is linear in each input)."""
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((1, case["C"], *case["sizes"]))
    w = rng.standard_normal((case["C"], case["C_out"] // case["groups"], *case["kernel"]))
    b = rng.standard_normal(case["C_out"]) if case["bias"] else None
    geometry = dict(stride=case["stride"], padding=case["padding"],
                    output_padding=case["output_padding"], dilation=case["dilation"],
                    groups=case["groups"])
    args = (case["stride"], case["pads"], case["output_padding"], case["dilation"],
            case["groups"])
    got = run(device, F.conv_transpose2d, x, w, b, **geometry)
    expected = ind.conv_transpose2d_forward(x, w, b, *args)
    np.testing.assert_allclose(got, expected, **TOL)

    dout = rng.standard_normal(expected.shape)
    inputs = (x, w) if b is None else (x, w, b)
    got_grads = grads(device, F.conv_transpose2d, inputs, dout, **geometry)
    expected_grads = ind.numeric_vjp(
        lambda *a: ind.conv_transpose2d_forward(*a, *([None] if b is None else []), *args),
        list(inputs), dout, h=0.5)
    for g, e in zip(got_grads, expected_grads):
        np.testing.assert_allclose(g, e, **FD_TOL)


def test_conv_transpose2d_is_the_input_gradient_of_conv2d():
    """Transposing a strided conv maps dout back to x's shape with output_padding."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 8, 7))
    w = rng.standard_normal((4, 3, 3, 3))
    dout = rng.standard_normal((2, 4, 4, 4))            # conv2d(x, w, stride 2, padding 1)
    dx, _, _ = ind.conv_backward(dout, x, w, (2, 2), [(1, 1), (1, 1)], (1, 1), 1)
    got = F.conv_transpose2d(dout, w, stride=2, padding=1, output_padding=(1, 0))
    np.testing.assert_allclose(F.to_numpy(got), dx, **TOL)


# --- pooling ------------------------------------------------------------------------------


@st.composite
def pool_cases(draw, d, *, dilation=True):
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(d))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(d))
    dil = tuple(draw(st.integers(1, 2)) if dilation else 1 for _ in range(d))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)   # torch's limit
    sizes = tuple(draw(st.integers(max(1, dl * (k - 1) + 1 - 2 * p), dl * (k - 1) + 5))
                  for k, dl, p in zip(kernel, dil, padding))
    return dict(kernel=kernel, stride=stride, dilation=dil, padding=padding, sizes=sizes,
                ceil_mode=draw(st.booleans()), count_include_pad=draw(st.booleans()),
                C=draw(st.integers(1, 3)), seed=draw(st.integers(0, 2**32 - 1)))


def _distinct(rng, shape):
    """Random values without ties, so that every window has one maximum."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) / 7.0 - 3.0


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("d", [1, 2])
@SETTINGS
@given(data=st.data())
def test_max_pool_matches_loops(device, d, data):
    """max_pool1d/2d and the gradient to each window's maximum equal the loops, with
    padding, dilation and ceil_mode."""
    case = data.draw(pool_cases(d))
    rng = np.random.default_rng(case["seed"])
    x = _distinct(rng, (2, case["C"], *case["sizes"]))
    fn = F.max_pool1d if d == 1 else F.max_pool2d
    geometry = dict(stride=case["stride"], padding=case["padding"],
                    dilation=case["dilation"], ceil_mode=case["ceil_mode"])
    _, windows = ind.pool_windows(case["sizes"], case["kernel"], case["stride"],
                                   case["padding"], case["dilation"], case["ceil_mode"])
    if any(not taps for taps, _ in windows.values()):
        # A dilated window that sees only padding has no maximum: refused.
        with pytest.raises(UserError, match="covers only padding"):
            fn(x, case["kernel"], **geometry)
        return
    got = run(device, fn, x, kernel_size=case["kernel"], **geometry)
    expected, _ = ind.max_pool(x, case["kernel"], case["stride"], case["padding"],
                               case["dilation"], case["ceil_mode"])
    np.testing.assert_allclose(got, expected, **TOL)
    dout = rng.standard_normal(expected.shape)
    (dx,) = grads(device, fn, (x,), dout, kernel_size=case["kernel"], **geometry)
    _, edx = ind.max_pool(x, case["kernel"], case["stride"], case["padding"],
                          case["dilation"], case["ceil_mode"], dout)
    np.testing.assert_allclose(dx, edx, **TOL)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("d", [1, 2])
@SETTINGS
@given(data=st.data())
def test_avg_pool_matches_loops(device, d, data):
    """avg_pool1d/2d and their gradients equal the loops, with padding, ceil_mode and both
    count_include_pad conventions."""
    case = data.draw(pool_cases(d, dilation=False))
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((2, case["C"], *case["sizes"]))
    fn = F.avg_pool1d if d == 1 else F.avg_pool2d
    geometry = dict(stride=case["stride"], padding=case["padding"],
                    ceil_mode=case["ceil_mode"], count_include_pad=case["count_include_pad"])
    got = run(device, fn, x, kernel_size=case["kernel"], **geometry)
    args = (case["kernel"], case["stride"], case["padding"], case["ceil_mode"],
            case["count_include_pad"])
    expected, _ = ind.avg_pool(x, *args)
    np.testing.assert_allclose(got, expected, **TOL)
    dout = rng.standard_normal(expected.shape)
    (dx,) = grads(device, fn, (x,), dout, kernel_size=case["kernel"], **geometry)
    np.testing.assert_allclose(dx, ind.avg_pool(x, *args, dout)[1], **TOL)


def test_pool_ceil_mode_keeps_partial_windows_by_hand():
    """5x5 = 0..24, 2x2 windows, stride 2: ceil mode adds a last partial row and column;
    the average of a partial window divides by its real size."""
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    assert F.to_numpy(F.max_pool2d(x, 2))[0, 0].tolist() == [[6, 8], [16, 18]]
    assert F.to_numpy(F.max_pool2d(x, 2, ceil_mode=True))[0, 0].tolist() == [
        [6, 8, 9], [16, 18, 19], [21, 23, 24]]
    avg = F.to_numpy(F.avg_pool2d(x, 2, ceil_mode=True))[0, 0]
    assert avg.tolist() == [[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]]


def test_pool_stride_defaults_to_kernel_size():
    """stride=None means stride = kernel_size, per axis."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 7, 9))
    np.testing.assert_array_equal(F.to_numpy(F.max_pool2d(x, (2, 3))),
                                  ind.max_pool(x, (2, 3), (2, 3), (0, 0), (1, 1), False)[0])
    np.testing.assert_allclose(F.to_numpy(F.avg_pool2d(x, (3, 2))),
                               ind.avg_pool(x, (3, 2), (3, 2), (0, 0), False, True)[0], **TOL)


@pytest.mark.parametrize("device", DEVICES)
def test_global_pools(device):
    """Global average/max pooling: the mean/max of each map, shape (N, C, 1, 1); gradients
    spread evenly (average) or go to the maximum (max)."""
    rng = np.random.default_rng(4)
    x = _distinct(rng, (2, 3, 4, 5))
    dout = rng.standard_normal((2, 3, 1, 1))
    np.testing.assert_allclose(run(device, F.global_avg_pool2d, x),
                               x.mean(axis=(2, 3), keepdims=True), **TOL)
    np.testing.assert_allclose(run(device, F.global_max_pool2d, x),
                               x.max(axis=(2, 3), keepdims=True), **TOL)
    (dx,) = grads(device, F.global_avg_pool2d, (x,), dout)
    np.testing.assert_allclose(dx, np.broadcast_to(dout / 20, x.shape), **TOL)
    (dx,) = grads(device, F.global_max_pool2d, (x,), dout)
    np.testing.assert_allclose(dx, (x == x.max(axis=(2, 3), keepdims=True)) * dout, **TOL)


# --- dense layers and activations ---------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("x_shape", [(4, 5), (2, 3, 5)])
def test_linear_closed_form(device, x_shape):
    """x w^T + b and its gradients dout w, dout^T x, sum of dout."""
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal((3, 5)), rng.standard_normal(3)
    np.testing.assert_allclose(run(device, F.linear, x, w, b), x @ w.T + b, **TOL)
    dout = rng.standard_normal((*x_shape[:-1], 3))
    dx, dw, db = grads(device, F.linear, (x, w, b), dout)
    flat_x, flat_d = x.reshape(-1, 5), dout.reshape(-1, 3)
    np.testing.assert_allclose(dx, dout @ w, **TOL)
    np.testing.assert_allclose(dw, flat_d.T @ flat_x, **TOL)
    np.testing.assert_allclose(db, flat_d.sum(axis=0), **TOL)


ACTIVATIONS = [
    (F.relu, lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
    (F.sigmoid, lambda x: 1 / (1 + np.exp(-x)),
     lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    (F.tanh, np.tanh, lambda x: 1 - np.tanh(x) ** 2),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("fn, forward, derivative", ACTIVATIONS, ids=["relu", "sigmoid", "tanh"])
def test_activations_closed_form(device, fn, forward, derivative):
    """Elementwise activations and their derivatives (relu's is 0 at 0)."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 4, 2))
    x[0, 0, :] = 0.0
    dout = rng.standard_normal(x.shape)
    np.testing.assert_allclose(run(device, fn, x), forward(x), **TOL)
    np.testing.assert_allclose(grads(device, fn, (x,), dout)[0], dout * derivative(x), **TOL)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_softmax_closed_form(device, dim):
    """softmax along any axis, and its gradient s * (dout - sum(dout * s))."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 4, 5)) * 5
    dout = rng.standard_normal(x.shape)
    s = ind.softmax(x, axis=dim)
    np.testing.assert_allclose(run(device, F.softmax, x, dim=dim), s, **TOL)
    (dx,) = grads(device, F.softmax, (x,), dout, dim=dim)
    np.testing.assert_allclose(dx, ind.softmax_backward(dout, s, axis=dim), **TOL)


# --- normalisation, dropout, reshaping, loss ---------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 2, 5)])
def test_batch_norm_training_closed_form(device, shape):
    """Training: batch statistics per channel (biased variance), the closed-form backward,
    running statistics updated with the unbiased variance, the caller's arrays untouched."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape) * 2 + 1
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    mean0, var0 = rng.standard_normal(3), rng.random(3) + 0.5
    mean0_copy, var0_copy = mean0.copy(), var0.copy()
    out, mean1, var1 = run(device, F.batch_norm, x, gamma, beta, running_mean=mean0,
                           running_var=var0, momentum=0.3, eps=1e-3)
    expected, cache = ind.batch_norm_train(x, gamma, beta, 1e-3)
    np.testing.assert_allclose(out, expected, **TOL)

    axes = tuple(i for i in range(len(shape)) if i != 1)
    m = x.size // 3
    np.testing.assert_allclose(mean1, 0.7 * mean0 + 0.3 * x.mean(axis=axes), **TOL)
    np.testing.assert_allclose(var1, 0.7 * var0 + 0.3 * x.var(axis=axes) * m / (m - 1), **TOL)
    np.testing.assert_array_equal(mean0, mean0_copy)
    np.testing.assert_array_equal(var0, var0_copy)

    dout = rng.standard_normal(shape)
    dx, dgamma, dbeta = grads(device, F.batch_norm, (x, gamma, beta), dout, eps=1e-3)
    edx, edgamma, edbeta = ind.batch_norm_train_backward(dout, gamma, 1e-3, cache)
    np.testing.assert_allclose(dx, edx, **TOL)
    np.testing.assert_allclose(dgamma, edgamma, **TOL)
    np.testing.assert_allclose(dbeta, edbeta, **TOL)


@pytest.mark.parametrize("device", DEVICES)
def test_batch_norm_evaluation_uses_running_statistics(device):
    """Evaluation: (x - running_mean) / sqrt(running_var + eps) * gamma + beta, stats kept."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 3, 4, 4))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    mean, var = rng.standard_normal(3), rng.random(3) + 0.5
    kw = dict(running_mean=mean, running_var=var, training=False)
    out, mean1, var1 = run(device, F.batch_norm, x, gamma, beta, **kw)
    c = (None, slice(None), None, None)
    scale = gamma[c] / np.sqrt(var[c] + 1e-5)
    np.testing.assert_allclose(out, (x - mean[c]) * scale + beta[c], **TOL)
    np.testing.assert_array_equal(mean1, mean)
    np.testing.assert_array_equal(var1, var)
    dout = rng.standard_normal(x.shape)
    dx, dgamma, dbeta = grads(device, F.batch_norm, (x, gamma, beta), dout, **kw)
    np.testing.assert_allclose(dx, dout * scale, **TOL)
    np.testing.assert_allclose(dgamma, (dout * (x - mean[c]) / np.sqrt(var[c] + 1e-5))
                               .sum(axis=(0, 2, 3)), **TOL)
    np.testing.assert_allclose(dbeta, dout.sum(axis=(0, 2, 3)), **TOL)


def test_batch_norm_without_running_statistics_returns_none():
    """Training without running statistics: the result's running fields are None."""
    result = F.batch_norm(np.ones((2, 2)) * [[1, 2], [3, 5]], None, None)
    assert result.running_mean is None and result.running_var is None
    np.testing.assert_allclose(F.to_numpy(result.out), [[-1, -1], [1, 1]], atol=1e-5)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("p", [0.0, 0.3, 0.75])
def test_dropout_is_inverted_and_seeded(device, p):
    """mask = rng.random(shape) >= p for numpy's default_rng(seed); out = x * mask / (1 - p);
    the gradient is dout * mask / (1 - p); same seed, same mask."""
    rng = np.random.default_rng(10)
    x = rng.standard_normal((50, 40))
    out, mask = run(device, F.dropout, x, p=p, seed=123)
    expected_mask = np.random.default_rng(123).random(x.shape) >= p
    np.testing.assert_array_equal(mask, expected_mask.astype(float))
    np.testing.assert_allclose(out, x * expected_mask / (1 - p), **TOL)
    assert abs(mask.mean() - (1 - p)) < 0.05
    dout = rng.standard_normal(x.shape)
    (dx,) = grads(device, F.dropout, (x,), dout, p=p, seed=123)
    np.testing.assert_allclose(dx, dout * expected_mask / (1 - p), **TOL)
    again, _ = run(device, F.dropout, x, p=p, seed=123)
    np.testing.assert_array_equal(again, out)


def test_dropout_edge_cases():
    """p = 1 drops everything; evaluation mode is the identity with a mask of ones;
    different seeds give different masks."""
    x = np.arange(1.0, 13.0).reshape(3, 4)
    out, mask = F.to_numpy(F.dropout(x, 1.0, seed=0))
    assert not out.any() and not mask.any()
    out, mask = F.to_numpy(F.dropout(x, 0.5, seed=0, training=False))
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(mask, np.ones_like(x))
    masks = {F.to_numpy(F.dropout(x, 0.5, seed=s)[1]).tobytes() for s in range(5)}
    assert len(masks) > 1


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("size, C", [(1, 3), (2, 4), (3, 5), (5, 3), (4, 6)])
def test_local_response_norm_loops(device, size, C):
    """LRN equals the channel loop; the gradient equals finite differences."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, C, 2, 3))
    kw = dict(alpha=0.3, beta=0.75, k=2.0)
    expected = ind.local_response_norm(x, size, **kw)
    np.testing.assert_allclose(run(device, F.local_response_norm, x, size=size, **kw), expected,
                               **TOL)
    dout = rng.standard_normal(x.shape)
    (dx,) = grads(device, F.local_response_norm, (x,), dout, size=size, **kw)
    (edx,) = ind.numeric_vjp(lambda a: ind.local_response_norm(a, size, **kw), [x], dout)
    np.testing.assert_allclose(dx, edx, **FD_TOL)


def test_local_response_norm_agrees_with_torchs_own():
    """The written-out LRN equals torch.nn.functional.local_response_norm (same convention)."""
    x = torch.randn(2, 7, 3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for size in (1, 2, 5):
        expected = torch.nn.functional.local_response_norm(x, size, alpha=0.2, beta=0.6, k=1.5)
        got = F.local_response_norm(x, size, alpha=0.2, beta=0.6, k=1.5)
        np.testing.assert_allclose(F.to_numpy(got), F.to_numpy(expected), **TOL)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("start_dim, shape", [(1, (2, 12)), (2, (2, 3, 4)), (0, (24,))])
def test_flatten(device, start_dim, shape):
    """flatten merges the axes from start_dim on; the gradient is dout reshaped back."""
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    np.testing.assert_array_equal(run(device, F.flatten, x, start_dim=start_dim),
                                  x.reshape(shape))
    dout = np.arange(24.0).reshape(shape) * 0.5
    (dx,) = grads(device, F.flatten, (x,), dout, start_dim=start_dim)
    np.testing.assert_array_equal(dx, dout.reshape(x.shape))


@pytest.mark.parametrize("device", DEVICES)
def test_cross_entropy_closed_form(device):
    """Mean -log softmax of the true class, for indices and for probabilities; gradient
    (softmax - target) / N."""
    rng = np.random.default_rng(12)
    logits = rng.standard_normal((5, 4)) * 3
    target = np.array([0, 3, 1, 1, 2])
    onehot = np.eye(4)[target]
    loss, dlogits = ind.cross_entropy(logits, onehot)
    got = F.cross_entropy(F.as_tensor(logits, device=device), target)
    assert got.shape == () and got.device.type == device
    np.testing.assert_allclose(F.to_numpy(got), loss, **TOL)
    (g,) = grads(device, F.cross_entropy, (logits,), 1.0, target=target)
    np.testing.assert_allclose(g, dlogits, **TOL)
    soft = rng.dirichlet(np.ones(4), size=5)
    loss, dlogits = ind.cross_entropy(logits, soft)
    np.testing.assert_allclose(run(device, F.cross_entropy, logits, soft), loss, **TOL)
    (g,) = grads(device, F.cross_entropy, (logits,), 2.0, target=soft)
    np.testing.assert_allclose(g, 2 * dlogits, **TOL)


# --- conversion and vjp -------------------------------------------------------------------


def test_as_tensor_and_to_numpy_round_trip():
    """Lists, ints and float32 become float64; a tensor stays on its device; tuples convert."""
    t = F.as_tensor([[1, 2], [3, 4]])
    assert t.dtype == torch.float64 and t.device.type in ("cpu", "cuda")
    assert F.as_tensor(np.ones(2, dtype=np.float32), device="cpu").dtype == torch.float64
    a, none = F.to_numpy((torch.ones(2), None))
    assert isinstance(a, np.ndarray) and none is None


def test_vjp_returns_zeros_for_unused_inputs_and_none_for_none():
    """An input the output ignores gets zeros; a None input (no bias) gets None."""
    dx, dunused, dnone = F.vjp(lambda x, y, z: F.relu(x), (np.ones(3), np.ones(2), None),
                               np.ones(3))
    assert F.to_numpy(dx).tolist() == [1, 1, 1]
    assert F.to_numpy(dunused).tolist() == [0, 0]
    assert dnone is None



@pytest.mark.parametrize("seed", range(5))
def test_vjp_gives_exactly_what_autograd_gives_with_grad_outputs(seed):
    """vjp differentiates sum(dout * y) (torch's grad_outputs path imports sympy): the same
    bits as torch.autograd.grad(y, inputs, grad_outputs=dout), for a conv, a pool and a
    batch norm, with random float inputs."""
    rng = np.random.default_rng(seed)
    cases = [
        (F.conv2d, (rng.normal(size=(2, 3, 6, 6)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)),
         (2, 4, 3, 3), {"stride": 2, "padding": 1}),
        (F.max_pool2d, (rng.normal(size=(2, 3, 6, 6)),), (2, 3, 3, 3), {"kernel_size": 2}),
        (lambda x, g, b: F.batch_norm(x, g, b).out,
         (rng.normal(size=(5, 3, 2, 2)), rng.normal(size=3), rng.normal(size=3)), (5, 3, 2, 2), {}),
    ]
    for fn, inputs, out_shape, kwargs in cases:
        dout = rng.normal(size=out_shape)
        got = F.vjp(fn, inputs, dout, **kwargs)
        leaves = [F.as_tensor(a).requires_grad_(True) for a in inputs]
        y = fn(*leaves, **kwargs)
        want = torch.autograd.grad(y, leaves, grad_outputs=F.as_tensor(dout))
        for g, w in zip(got, want):
            assert torch.equal(g, w)

# --- bad geometry: one clear sentence each -------------------------------------------------

X = np.zeros((1, 3, 5, 5))

BAD_CALLS = [
    (lambda: F.conv2d(np.zeros((1, 1, 4, 6)), np.zeros((1, 1, 7, 3)), padding=1),
     "conv2d: kernel size 7 is larger than the padded input size 6 (input 4 + padding 1 + 1) "
     "along height"),
    (lambda: F.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), dilation=(1, 3)),
     "conv2d: kernel size 7 (kernel 3, dilation 3) is larger than the padded input size 5 "
     "along width"),
    (lambda: F.conv1d(np.zeros((1, 1, 2)), np.zeros((1, 1, 4)), padding=((0, 1),)),
     "conv1d: kernel size 4 is larger than the padded input size 3 (input 2 + padding 0 + 1) "
     "along length"),
    (lambda: F.conv2d(X, np.zeros((2, 2, 3, 3))),
     "conv2d: x has 3 channels but weight expects 2 (weight.shape[1])"),
    (lambda: F.conv2d(np.zeros((1, 4, 5, 5)), np.zeros((4, 1, 3, 3)), groups=2),
     "conv2d: x has 4 channels but weight expects 2 (weight.shape[1] = 1 per group x 2 groups)"),
    (lambda: F.conv2d(np.zeros((1, 4, 5, 5)), np.zeros((6, 2, 3, 3)), groups=3),
     "conv2d: groups=3 does not divide the 4 input channels"),
    (lambda: F.conv2d(np.zeros((1, 4, 5, 5)), np.zeros((3, 2, 3, 3)), groups=2),
     "conv2d: groups=2 does not divide the 3 output channels"),
    (lambda: F.conv2d(X, np.zeros((2, 3, 3, 3)), stride=-1),
     "conv2d: stride must be positive, got -1"),
    (lambda: F.conv2d(X, np.zeros((2, 3, 3, 3)), padding=(1, -2)),
     "conv2d: padding must be non-negative, got (1, -2)"),
    (lambda: F.conv2d(X, np.zeros((2, 3, 3, 3)), padding=(1, 2, 3)),
     "conv2d: padding must be an int or a tuple of 2 ints, got (1, 2, 3)"),
    (lambda: F.conv2d(X, np.zeros((2, 3, 3, 3)), stride=2, padding="same"),
     "conv2d: padding='same' needs stride 1, got stride (2, 2); give the padding as numbers "
     "instead"),
    (lambda: F.conv2d(X, np.zeros((2, 3, 3, 3)), padding="full"),
     "conv2d: padding must be a number, a tuple, 'same' or 'valid', got 'full'"),
    (lambda: F.conv2d(np.zeros((3, 5, 5)), np.zeros((2, 3, 3, 3))),
     "conv2d expects x of shape (N, C, H, W), got shape (3, 5, 5)"),
    (lambda: F.conv2d(X, np.zeros((2, 3, 3))),
     "conv2d expects weight of shape (C_out, C/groups, K_h, K_w), got shape (2, 3, 3)"),
    (lambda: F.conv2d(X, np.zeros((2, 3, 3, 3)), np.zeros(3)),
     "conv2d: bias must have shape (2,), got (3,)"),
    (lambda: F.conv_transpose2d(X, np.zeros((3, 2, 3, 3)), stride=2, output_padding=(0, 2)),
     "conv_transpose2d: output_padding 2 must be smaller than the stride (2) or the dilation "
     "(1) along width"),
    (lambda: F.conv_transpose2d(np.zeros((1, 3, 1, 1)), np.zeros((3, 2, 2, 2)), padding=1),
     "conv_transpose2d: the transposed convolution's output size would be 0 along height "
     "(input 1, kernel 2, stride 1, padding 1 + 1); reduce the padding"),
    (lambda: F.conv_transpose2d(X, np.zeros((2, 2, 3, 3))),
     "conv_transpose2d: x has 3 channels but weight.shape[0] is 2"),
    (lambda: F.max_pool2d(X, 3, padding=(0, 2)),
     "max_pool2d: padding 2 along width is more than half the kernel size 3; pools allow at "
     "most 1"),
    (lambda: F.max_pool2d(np.zeros((1, 1, 2, 2)), 3),
     "max_pool2d: kernel size 3 is larger than the padded input size 2 along height"),
    (lambda: F.avg_pool1d(np.zeros((1, 1, 4)), 2, 0),
     "avg_pool1d: stride must be positive, got 0"),
    (lambda: F.linear(np.zeros((2, 4)), np.zeros((3, 5))),
     "linear: x has 4 features in its last axis but weight expects D = 5 (weight shape (3, 5))"),
    (lambda: F.batch_norm(X, np.ones(3), np.zeros(3), training=False),
     "batch_norm in evaluation mode (training=False) needs running_mean and running_var"),
    (lambda: F.batch_norm(X, np.ones(2), np.zeros(3)),
     "batch_norm: gamma must have shape (3,), got (2,)"),
    (lambda: F.batch_norm(np.zeros((1, 3)), None, None),
     "batch_norm in training mode needs more than one value per channel, got x of shape (1, 3)"),
    (lambda: F.dropout(X, 1.5, seed=0),
     "dropout: p must be a probability between 0 and 1, got 1.5"),
    (lambda: F.cross_entropy(np.zeros((2, 3)), [0, 3]),
     "cross_entropy: target class 3 is out of range for 3 classes"),
    (lambda: F.cross_entropy(np.zeros((2, 3)), [0.5, 1]),
     "cross_entropy: target class indices must be whole numbers"),
    (lambda: F.softmax(np.zeros((2, 3)), dim=2),
     "softmax: dim 2 is out of range for an input with 2 axes"),
    (lambda: F.vjp(F.relu, (np.zeros(3),), np.zeros(4)),
     "dout has shape (4,) but the output has shape (3,)"),
    (lambda: F.as_tensor(np.array(["a"])),
     "expected a real-valued array, got dtype <U1"),
]


@pytest.mark.parametrize("call, message", BAD_CALLS, ids=[m[:40] for _, m in BAD_CALLS])
def test_bad_input_raises_user_error_with_exact_message(call, message):
    """Each mistake raises UserError with exactly this one-sentence message."""
    with pytest.raises(UserError, match=f"^{re.escape(message)}$"):
        call()


@pytest.mark.parametrize("module", [F, shapes, engine_device], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    """The examples in the docstrings are true (the course's 19, 25, 37, 43 among them)."""
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
