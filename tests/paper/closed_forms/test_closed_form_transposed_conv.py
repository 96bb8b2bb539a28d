"""Closed-form check of the transposed-conv paper exercise (see closed_form_support).

Sizes against the sympy form ``(H - 1) S - 2P + D (K - 1) + op + 1`` and the encoder's
``floor`` form; the by-hand outputs against a numpy scatter-add written here (each input
value adds a scaled kernel copy at its stride offset, then the padding is cropped), and
against the definition of a transposed convolution as the adjoint of the convolution:
``<convT(X), G> == <X, conv(G)>`` for random ``G``.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from closed_form_support import CONV_PARAMS, OUT, answers, variants

H, K, S, P, D, A = sp.symbols("H K S P D A", integer=True, nonnegative=True)
TRANSPOSED_OUT = sp.lambdify((H, K, S, P, D, A), (H - 1) * S - 2 * P + D * (K - 1) + A + 1, "math")


def _scatter_add(x, w, s, p, op) -> np.ndarray:
    C, n, k = len(x), len(x[0]), len(w[0])
    full = (n - 1) * s + k
    Z = np.zeros((full + op, full + op))  # room for the output padding: zeros beyond the copies
    for c in range(C):
        for i in range(n):
            for j in range(n):
                Z[s * i:s * i + k, s * j:s * j + k] += x[c][i][j] * np.asarray(w[c], float)
    out = full - 2 * p + op
    return Z[p:p + out, p:p + out]


def _conv(g, w, s, p) -> np.ndarray:
    """Cross-correlation of one map g with each channel's kernel: (C, n', n')."""
    g = np.pad(np.asarray(g, float), p)
    k = len(w[0])
    m = (g.shape[0] - k) // s + 1
    return np.array([[[np.sum(g[s * i:s * i + k, s * j:s * j + k] * np.asarray(wc, float))
                       for j in range(m)] for i in range(m)] for wc in w])


def _check_sizes(p, a):
    (h, w), k = p["size"], p["kernel"]
    geometry = (k, p["stride"], p["padding"], p["dilation"], p["output_padding"])
    assert a["a"] == (p["filters"], TRANSPOSED_OUT(h, *geometry), TRANSPOSED_OUT(w, *geometry)), p
    # the weight is C_in x C_out x K x K: the same count as a convolution's
    assert a["b"] == CONV_PARAMS(p["channels"], p["filters"], k, k, 1, int(p["bias"])), p
    e = p["encoder"]
    if e is None:
        assert "c" not in a
        return
    n, eK, eS, eP, eD = e["size"], e["kernel"], e["stride"], e["padding"], e["dilation"]
    m = OUT(n, eK, eS, eP, eD)
    assert a["c"] == n - TRANSPOSED_OUT(m, eK, eS, eP, eD, 0) and 0 <= a["c"] < eS, p
    assert TRANSPOSED_OUT(m, eK, eS, eP, eD, a["c"]) == n


def _check_scatter_add(p, a, rng):
    x, w, b, s, pad, op = (p[k] for k in ("input", "kernel", "bias", "stride", "padding", "output_padding"))
    expected = _scatter_add(x, w, s, pad, op) + b
    assert a["a"] == expected.shape[0] == TRANSPOSED_OUT(len(x[0]), len(w[0]), s, pad, 1, op), p
    Y = np.array(a["b"])
    assert np.array_equal(Y, expected), p
    G = rng.integers(-3, 4, size=Y.shape)
    assert np.sum((Y - b) * G) == np.sum(np.asarray(x, float) * _conv(G, w, s, pad)), p


def test_transposed_conv_matches_the_size_forms_a_scatter_add_and_the_adjoint_of_conv():
    """2,000 seeds per difficulty, both question types at each."""
    rng = np.random.default_rng(0)
    seen = set()
    for v in variants("transposed-conv", 2000):
        p, a = v.params, answers(v)
        seen.add((v.difficulty, p["type"]))
        if p["type"] == "output-size":
            _check_sizes(p, a)
        else:
            _check_scatter_add(p, a, rng)
    assert seen == {(d, t) for d in ("easy", "medium", "hard") for t in ("output-size", "scatter-add")}
