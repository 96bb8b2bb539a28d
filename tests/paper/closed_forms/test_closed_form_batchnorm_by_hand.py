"""Closed-form check of the batchnorm-by-hand paper exercise (see closed_form_support)."""

from __future__ import annotations

import math
from functools import lru_cache

import sympy as sp

from closed_form_support import answers, variants


@lru_cache(maxsize=None)
def _bn_formula(n: int):
    """(mean, biased variance, outputs) of one feature as sympy expressions, lambdified."""
    xs = sp.symbols(f"x0:{n}")
    gamma, beta = sp.symbols("gamma beta")
    mu = sp.Add(*xs) / n
    var = sp.Add(*[(x - mu) ** 2 for x in xs]) / n
    return sp.lambdify([*xs, gamma, beta], (mu, var, [gamma * (x - mu) / sp.sqrt(var) + beta for x in xs]), "math")


def test_batchnorm_by_hand_matches_closed_form_statistics():
    """Mean, biased variance and outputs gamma (x - mu)/sqrt(var) + beta from sympy formulas."""
    for v in variants("batchnorm-by-hand", 150):
        p, a = v.params, answers(v)
        cols = list(zip(*p["x"]))
        stats = [_bn_formula(len(col))(*col, p["gamma"][c], p["beta"][c]) for c, col in enumerate(cols)]
        got_mean = a["a"] if isinstance(a["a"], tuple) else (a["a"],)
        got_var = a["b"] if isinstance(a["b"], tuple) else (a["b"],)
        assert all(abs(g - e[0]) < 1e-9 for g, e in zip(got_mean, stats, strict=True))
        assert all(abs(g - e[1]) < 1e-9 for g, e in zip(got_var, stats, strict=True))
        rows = [r if isinstance(r, tuple) else (r,) for r in a["c"]]
        for i, row in enumerate(rows):
            for c, got in enumerate(row):
                assert abs(got - stats[c][2][i]) < 1e-6
        if v.difficulty == "easy":  # hand-friendly: integer standard deviation
            assert all(math.isqrt(round(e[1])) ** 2 == e[1] for e in stats)
