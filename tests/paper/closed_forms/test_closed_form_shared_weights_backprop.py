"""Closed-form check of the shared-weights-backprop paper exercise (see closed_form_support)."""

from __future__ import annotations

import itertools
from functools import lru_cache

import sympy as sp

from closed_form_support import answers, flt, variants


@lru_cache(maxsize=None)
def _conv_grads(dims: int, n: int, k: int):
    """dL/dw, dL/db, dL/dx of L = sum g * (conv(x, w) + b), by sympy.diff, lambdified."""
    m = n - k + 1
    b = sp.Symbol("b")
    if dims == 1:
        xs, ws, gs = sp.symbols(f"x0:{n}"), sp.symbols(f"w0:{k}"), sp.symbols(f"g0:{m}")
        L = sum(gs[i] * (sum(ws[t] * xs[i + t] for t in range(k)) + b) for i in range(m))
    else:
        X, Wt, G = (sp.Matrix(d, d, sp.symbols(f"{c}0:{d * d}")) for c, d in (("x", n), ("w", k), ("g", m)))
        L = sum(G[i, j] * (sum(X[i:i + k, j:j + k].multiply_elementwise(Wt)) + b) for i in range(m) for j in range(m))
        xs, ws, gs = list(X), list(Wt), list(G)
    grads = ([sp.diff(L, w_) for w_ in ws], sp.diff(L, b), [sp.diff(L, x_) for x_ in xs])
    return sp.lambdify([*xs, *ws, b, *gs], grads, "math")


def test_shared_weights_backprop_matches_symbolic_differentiation():
    """dL/dw, dL/db, dL/dx by sympy.diff of L = sum g_i y_i written out symbolically."""
    for v in variants("shared-weights-backprop", 120):
        p, a = v.params, answers(v)
        if p["type"] == "maxpool":
            x, g = p["x"], p["g"]
            dx = [[0] * 4 for _ in range(4)]
            for i, j in itertools.product(range(2), range(2)):
                r, c = max(((2 * i + u, 2 * j + t) for u in range(2) for t in range(2)), key=lambda rc: x[rc[0]][rc[1]])
                dx[r][c] = g[i][j]
            assert [list(r) for r in a["b"]] == flt(dx)
            assert [list(r) for r in a["a"]] == flt([[max(x[2 * i + u][2 * j + t] for u in range(2) for t in range(2))
                                                      for j in range(2)] for i in range(2)])
            continue
        dims = 1 if p["type"] == "conv1d" else 2
        flat = (lambda t: t) if dims == 1 else (lambda t: sum(t, []))
        n, k = len(p["x"]), len(p["w"])
        dw, db, dx = _conv_grads(dims, n, k)(*flat(p["x"]), *flat(p["w"]), p["b"], *flat(p["g"]))
        got_w = list(a["a"]) if dims == 1 else [v_ for row in a["a"] for v_ in row]
        assert got_w == flt(dw) and a["b"] == float(db), p
        if p["full"]:
            got_x = list(a["c"]) if dims == 1 else [v_ for row in a["c"] for v_ in row]
            assert got_x == flt(dx), p
