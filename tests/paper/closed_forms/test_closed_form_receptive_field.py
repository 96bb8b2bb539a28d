"""Closed-form check of the receptive-field paper exercise (see closed_form_support)."""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from closed_form_support import answers, variants

SEEDS = 1000   # per difficulty: 3,000 variants


@lru_cache(maxsize=None)
def _rf_closed_form(n: int):
    """(r_L, j_L) of an n-layer stack as a function of (k_1..k_n, s_1..s_n, d_1..d_n)."""
    k, s, d = (sp.symbols(f"{name}1:{n + 1}") for name in "ksd")
    r = 1 + sum((k[l] - 1) * d[l] * sp.prod(s[:l]) for l in range(n))
    return sp.lambdify([*k, *s, *d], (r, sp.prod(s)), "math")


def test_receptive_field_matches_the_recurrence_sum():
    """r_L = 1 + sum_l (k_l - 1) d_l prod_{m<l} s_m and j_L = prod s_l."""
    for v in variants("receptive-field", SEEDS):
        layers, a = v.params["layers"], answers(v)
        values = ([layer["kernel"] for layer in layers] + [layer["stride"] for layer in layers]
                  + [layer.get("dilation", 1) for layer in layers])
        r, j = _rf_closed_form(len(layers))(*values)
        assert (a["a"], a["b"]) == (int(r), int(j)), v.params
