"""Closed-form check of the weight-sharing paper exercise (see closed_form_support)."""

from __future__ import annotations

import sympy as sp

from closed_form_support import CONV_PARAMS, FC_PARAMS, OUT, answers, variants

HO, WO, CI, CO, KH, KW, B = sp.symbols("H_out W_out C_in C_out K_h K_w B", integer=True, nonnegative=True)
#: a locally connected layer: a convolution's filters and biases at every output position
LOCAL_PARAMS = sp.lambdify((HO, WO, CI, CO, KH, KW, B), HO * WO * (KH * KW * CI * CO + B * CO), "math")


def test_weight_sharing_counts_match_the_parameter_formulas():
    """FC m n, locally connected m k, tied k (+ biases); 2-D locally connected; GAP heads."""
    seen = set()
    for v in variants("weight-sharing", 2000):
        p, a = v.params, answers(v)
        seen.add((v.difficulty, p["type"]))
        if p["type"] == "progression-1d":
            n, k, s, b = p["inputs"], p["kernel"], p["stride"], int(p["bias"])
            m = OUT(n, k, s, 0, 1)
            assert (a["a"], a["b"]) == (m, FC_PARAMS(n, m, b)), p
            assert (a["c"], a["d"]) == (LOCAL_PARAMS(1, m, 1, 1, 1, k, b), CONV_PARAMS(1, 1, 1, k, 1, b)), p
            if not b:  # the notes' progression: m n, then m k, then k
                assert (a["b"], a["c"], a["d"]) == (m * n, m * k, k)
        elif p["type"] == "locally-connected-2d":
            C, (h, w), F, k, s, pad, b = (p[x] for x in ("channels", "size", "filters", "kernel", "stride",
                                                         "padding", "bias"))
            ho, wo = OUT(h, k, s, pad, 1), OUT(w, k, s, pad, 1)
            assert a["a"] == CONV_PARAMS(C, F, k, k, 1, int(b)), p
            assert a["b"] == LOCAL_PARAMS(ho, wo, C, F, k, k, int(b)), p
            assert a["c"] == FC_PARAMS(C * h * w, F * ho * wo, int(b)), p
            assert a["d"] == ho * wo, p
        else:
            C, (h, w), M, hidden = p["channels"], p["size"], p["classes"], p["hidden"]
            if hidden:
                flat = FC_PARAMS(C * h * w, hidden, 1) + FC_PARAMS(hidden, M, 1)
                pooled = FC_PARAMS(C, hidden, 1) + FC_PARAMS(hidden, M, 1)
            else:
                flat, pooled = FC_PARAMS(C * h * w, M, 1), FC_PARAMS(C, M, 1)
            assert (a["a"], a["b"], a["c"]) == (flat, pooled, flat - pooled), p
    assert seen == {("easy", "progression-1d"), ("easy", "gap-head"), ("medium", "progression-1d"),
                    ("medium", "locally-connected-2d"), ("medium", "gap-head"),
                    ("hard", "locally-connected-2d"), ("hard", "gap-head")}


def test_the_notes_progression_with_three_taps():
    """The notes' 1-D figure: fully connected m n, locally connected m 3, weight tied 3."""
    from exercises import get_exercise

    v = get_exercise("weight-sharing").from_params(
        {"type": "progression-1d", "inputs": 7, "kernel": 3, "stride": 1, "bias": False})
    assert answers(v) == {"a": 5, "b": 35, "c": 15, "d": 3}
