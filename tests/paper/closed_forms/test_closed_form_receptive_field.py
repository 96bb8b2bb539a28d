"""Closed-form check of the receptive-field paper exercise (see closed_form_support)."""

from __future__ import annotations

import sympy as sp

from closed_form_support import answers, variants


def _rf_closed_form(layers):
    k, s, d = (sp.symbols(f"{n}1:{len(layers) + 1}") for n in "ksd")
    r = 1 + sum((k[l] - 1) * d[l] * sp.prod(s[:l]) for l in range(len(layers)))
    subs = {}
    for i, layer in enumerate(layers):
        subs.update({k[i]: layer["kernel"], s[i]: layer["stride"], d[i]: layer.get("dilation", 1)})
    return int(r.subs(subs)), int(sp.prod(s).subs(subs))


def test_receptive_field_matches_the_recurrence_sum():
    """r_L = 1 + sum_l (k_l - 1) d_l prod_{m<l} s_m and j_L = prod s_l."""
    for v in variants("receptive-field", 60):
        a = answers(v)
        assert (a["a"], a["b"]) == _rf_closed_form(v.params["layers"]), v.params
