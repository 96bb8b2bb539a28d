"""Closed-form check of the conv-as-matmul paper exercise (see closed_form_support).

The engine finds each matrix by convolving unit inputs (or unit kernels); here the Toeplitz
matrices are assembled from shift matrices instead (``T = sum_a w_a S_a`` in 1-D, the
Kronecker products ``S_a (x) S_b`` in 2-D, one block per channel side by side), the im2col
matrix from numpy's sliding windows over the padded input, and the outputs by direct sums
over windows; then ``T vec(X) + b`` and ``W_row X_col + b`` must give those outputs back.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from closed_form_support import OUT, answers, variants


def _shift(n: int, k: int, s: int, p: int, a: int) -> np.ndarray:
    """S_a: (n_out, n) with S_a[i, s i + a - p] = 1 where that index lies in the input."""
    out = OUT(n, k, s, p, 1)
    S = np.zeros((out, n))
    for i in range(out):
        t = s * i + a - p
        if 0 <= t < n:
            S[i, t] = 1
    return S


def _toeplitz_1d(w, n, s, p) -> np.ndarray:
    k = len(w)
    return sum(w[a] * _shift(n, k, s, p, a) for a in range(k))


def _toeplitz_2d(w, n, s, p) -> np.ndarray:
    """One channel's doubly block-Toeplitz matrix; channels side by side."""
    blocks = []
    for wc in w:
        k = len(wc)
        blocks.append(sum(wc[a][b] * np.kron(_shift(n, k, s, p, a), _shift(n, k, s, p, b))
                          for a in range(k) for b in range(k)))
    return np.hstack(blocks)


def _windows(x, k, s, p) -> np.ndarray:
    """(C, out, out, k, k): the window of every output position of the padded input."""
    padded = np.pad(np.asarray(x, dtype=float), ((0, 0), (p, p), (p, p)))
    return sliding_window_view(padded, (k, k), axis=(1, 2))[:, ::s, ::s]


def _direct_conv(x, w, b, s, p) -> np.ndarray:
    return np.einsum("cijab,cab->ij", _windows(x, len(w[0]), s, p), np.asarray(w, dtype=float)) + b


def _check_toeplitz_1d(p, a):
    x, w, b, s, pad = np.asarray(p["x"], float), p["w"], p["bias"], p["stride"], p["padding"]
    T = _toeplitz_1d(w, len(x), s, pad)
    y = np.array([sum(w[j] * (x[s * i + j - pad] if 0 <= s * i + j - pad < len(x) else 0)
                      for j in range(len(w))) for i in range(T.shape[0])]) + b
    assert np.array_equal(np.array(a["a"]), T), p
    assert np.array_equal(np.array(a["b"]), y) and np.array_equal(T @ x + b, y), p


def _check_toeplitz_2d(p, a):
    x, w, b, s, pad, (i, j) = p["input"], p["kernel"], p["bias"], p["stride"], p["padding"], p["row"]
    n = len(x[0])
    T = _toeplitz_2d(w, n, s, pad)
    Y = _direct_conv(x, w, b, s, pad)
    out = Y.shape[0]
    assert a["a"] == T.shape, p
    assert np.array_equal(np.array(a["b"]), T[i * out + j]), p
    assert np.array_equal(np.array(a["c"]), Y), p
    assert np.array_equal((T @ np.asarray(x, float).reshape(-1) + b).reshape(out, out), Y), p


def _check_im2col(p, a):
    x, kernels, biases, s, pad = p["input"], p["kernels"], p["bias"], p["stride"], p["padding"]
    C, k, F = len(x), len(kernels[0][0]), len(kernels)
    win = _windows(x, k, s, pad)
    out = win.shape[1]
    cols = win.transpose(0, 3, 4, 1, 2).reshape(C * k * k, out * out)  # rows (c, a, b), columns (i, j)
    W_row = np.asarray(kernels, float).reshape(F, -1)
    product = W_row @ cols + np.asarray(biases, float)[:, None]
    maps = np.stack([_direct_conv(x, kern, bias, s, pad) for kern, bias in zip(kernels, biases)])
    assert np.array_equal(product, maps.reshape(F, -1)), p  # the im2col identity itself
    assert a["a"] == cols.shape, p
    rest = [a[key] for key in sorted(a) if key != "a"]
    if p["columns"]:
        for (ci, cj), got in zip(p["columns"], rest):
            assert np.array_equal(np.array(got), cols[:, ci * out + cj]), p
        rest = rest[len(p["columns"]):]
    else:
        assert np.array_equal(np.array(rest.pop(0)), cols), p
    if F == 1:
        (Y,) = rest
        assert np.array_equal(np.array(Y), maps[0]), p
    else:
        shape, got = rest
        assert shape == W_row.shape and np.array_equal(np.array(got), product), p


def test_conv_as_matmul_matches_shift_matrix_and_sliding_window_constructions():
    """2,000 seeds per difficulty: every matrix, row, column, shape and output."""
    seen = set()
    for v in variants("conv-as-matmul", 2000):
        p, a = v.params, answers(v)
        seen.add((v.difficulty, p["type"]))
        {"toeplitz-1d": _check_toeplitz_1d, "toeplitz-2d": _check_toeplitz_2d,
         "im2col": _check_im2col}[p["type"]](p, a)
        assert all(abs(c) < 100 for _, c, _, _ in v.cells())  # sensible by-hand numbers
    assert seen == {("easy", "toeplitz-1d"), ("easy", "im2col"), ("medium", "toeplitz-1d"),
                    ("medium", "toeplitz-2d"), ("medium", "im2col"), ("hard", "toeplitz-2d"),
                    ("hard", "im2col")}


def test_the_course_example_as_a_toeplitz_product():
    """The notes' 3x3 input 0..8 and kernel [[0, 1], [2, 3]] give 19, 25, 37, 43; the row of
    Y[0,0] is the kernel laid into a 3x3 grid: (0, 1, 0, 2, 3, 0, 0, 0, 0)."""
    from exercises import get_exercise

    v = get_exercise("conv-as-matmul").from_params(
        {"type": "toeplitz-2d", "input": [[[0, 1, 2], [3, 4, 5], [6, 7, 8]]], "kernel": [[[0, 1], [2, 3]]],
         "bias": 0, "stride": 1, "padding": 0, "row": [0, 0]})
    a = answers(v)
    assert a["a"] == (4, 9) and a["b"] == (0, 1, 0, 2, 3, 0, 0, 0, 0)
    assert a["c"] == ((19, 25), (37, 43))
