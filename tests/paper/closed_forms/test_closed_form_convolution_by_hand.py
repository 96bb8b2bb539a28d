"""Closed-form check of the convolution-by-hand paper exercise (see closed_form_support)."""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from closed_form_support import variants


@lru_cache(maxsize=None)
def _conv_formula(C: int, n: int, k: int, stride: int, pad: int):
    """Y as a sympy expression of symbolic X (C x n x n), W (C x k x k) and b, lambdified."""
    X = [sp.Matrix(n, n, sp.symbols(f"x{c}_0:{n * n}")) for c in range(C)]
    W = [sp.Matrix(k, k, sp.symbols(f"w{c}_0:{k * k}")) for c in range(C)]
    b = sp.Symbol("b")
    if pad:  # zero padding: a border of zeros around each channel
        padded = []
        for m in X:
            z = sp.zeros(n + 2 * pad, n + 2 * pad)
            z[pad:pad + n, pad:pad + n] = m
            padded.append(z)
    else:
        padded = X
    out = (n + 2 * pad - k) // stride + 1
    Y = [[sum(sum(padded[c][stride * i:stride * i + k, stride * j:stride * j + k].multiply_elementwise(W[c]))
              for c in range(C)) + b for j in range(out)] for i in range(out)]
    args = [s_ for m in X for s_ in m] + [s_ for m in W for s_ in m] + [b]
    return sp.lambdify(args, Y, "math")


def _conv_sympy(x, w, bias, stride, pad):
    C, n, k = len(x), len(x[0]), len(w[0])
    values = [v for ch in x for row in ch for v in row] + [v for ch in w for row in ch for v in row] + [bias]
    return _conv_formula(C, n, k, stride, pad)(*values)


def test_convolution_by_hand_matches_sympy_matrix_sums():
    """Y[i,j] = sum over channels of (window .* W) + b; true convolution uses W rotated 180 degrees."""
    for v in variants("convolution-by-hand", 100):
        p = v.params
        mode = p["mode"]
        wanted = ["cross-correlation", "convolution"] if mode == "both" else [mode]
        for part, m in zip(v.parts, wanted, strict=True):
            w = p["kernel"] if m == "cross-correlation" else [
                [list(r) for r in sp.Matrix(ch).rot90(2).tolist()] for ch in p["kernel"]]
            expected = _conv_sympy(p["input"], w, p["bias"], p["stride"], p["padding"])
            assert [list(r) for r in part.answer] == [[float(e) for e in r] for r in expected], p
            assert all(abs(x) < 100 for r in part.answer for x in r)  # sensible by-hand numbers
