"""Closed-form check of the param-count paper exercise (see closed_form_support)."""

from __future__ import annotations

from closed_form_support import CONV_PARAMS, FC_PARAMS, answers, variants


def test_param_count_matches_the_parameter_formulas():
    """conv, FC, depthwise/pointwise, bottleneck and batch-norm counts vs K*K*C_in/G*C_out+C_out etc."""
    seen = set()
    for v in variants("param-count", 250):
        p, a = v.params, answers(v)
        seen.add(p["type"])
        b = int(p.get("bias", False))
        if p["type"] == "conv-fc":
            C, N = p["channels"], p["size"]
            assert a["a"] == CONV_PARAMS(C, p["filters"], p["kernel"], p["kernel"], 1, b)
            assert a["b"] == FC_PARAMS(C * N * N, p["outputs"], b)
        elif p["type"] == "depthwise-separable":
            C, F, k = p["channels"], p["filters"], p["kernel"]
            std, dw, pw = (CONV_PARAMS(C, F, k, k, 1, b), CONV_PARAMS(C, C, k, k, C, b),
                           CONV_PARAMS(C, F, 1, 1, 1, b))
            assert (a["a"], a["b"], a["c"], a["d"]) == (std, dw, pw, std - dw - pw)
        elif p["type"] == "bottleneck":
            C, m = p["channels"], p["reduced"]
            direct = CONV_PARAMS(C, C, 3, 3, 1, b)
            neck = CONV_PARAMS(C, m, 1, 1, 1, b) + CONV_PARAMS(m, m, 3, 3, 1, b) + CONV_PARAMS(m, C, 1, 1, 1, b)
            assert (a["a"], a["b"], a["c"]) == (direct, neck, direct - neck)
        else:
            conv = CONV_PARAMS(p["channels"], p["filters"], p["kernel"], p["kernel"], 1, 0)
            assert (a["a"], a["b"], a["c"]) == (conv, 2 * p["filters"], conv + 2 * p["filters"])
    assert seen == {"conv-fc", "depthwise-separable", "bottleneck", "batchnorm"}
