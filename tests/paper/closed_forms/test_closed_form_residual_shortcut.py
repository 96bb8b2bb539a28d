"""Closed-form check of the residual-shortcut paper exercise (see closed_form_support)."""

from __future__ import annotations

from closed_form_support import CONV_PARAMS, OUT, answers, variants


def test_residual_shortcut_matches_the_shape_and_parameter_formulas():
    """Projection needed exactly when C' != C or S != 1; its cost C*C' (+C')."""
    for v in variants("residual-shortcut", 300):
        p, a = v.params, answers(v)
        C, N, S_, F, b = p["channels"], p["size"], p["stride"], p["filters"], int(p["bias"])
        ho = OUT(N, 3, S_, 1, 1)
        needed = F != C or S_ != 1
        proj = CONV_PARAMS(C, F, 1, 1, 1, b) if needed else 0
        main = CONV_PARAMS(C, F, 3, 3, 1, b) + CONV_PARAMS(F, F, 3, 3, 1, b)
        assert a["a"] == (F, ho, ho) and a["b"] == int(needed)
        assert (a["c"], a["d"]) == (proj, main + proj), p
