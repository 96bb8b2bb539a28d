"""Closed-form check of the conv-output-shape paper exercise (see closed_form_support)."""

from __future__ import annotations

import sympy as sp

from closed_form_support import OUT, answers, variants


def test_conv_output_shape_matches_the_floor_formula():
    """Output sizes, same-padding and halving strides agree with floor((H+2P-D(K-1)-1)/S)+1."""
    seen = set()
    for v in variants("conv-output-shape", 2000):
        p, a = v.params, answers(v)
        seen.add(p["type"])
        if p["type"] in ("forward", "floor"):
            ho = OUT(p["height"], p["kernel"], p["stride"], p["padding"], p["dilation"])
            wo = OUT(p["width"], p["kernel"], p["stride"], p["padding"], p["dilation"])
            assert (a["a"], a["b"], a["c"]) == (ho, wo, p["filters"] * ho * wo), p
            assert ho >= 1 and wo >= 1
            if p["type"] == "floor":  # the variant exists to teach the floor: it must not divide
                assert (p["height"] + 2 * p["padding"] - p["dilation"] * (p["kernel"] - 1) - 1) % p["stride"]
        elif p["type"] == "same-padding":
            pad = sp.Rational(p["dilation"] * (p["kernel"] - 1), 2)
            assert pad.is_integer and a["a"] == int(pad), p
            assert OUT(p["size"], p["kernel"], 1, a["a"], p["dilation"]) == p["size"]
        else:
            n, k, pad, d = p["size"], p["kernel"], p["padding"], p["dilation"]
            good = [s for s in range(1, n + 2 * pad + 1) if OUT(n, k, s, pad, d) == n // 2]
            assert good == [a["a"]], p  # exactly one stride halves the size
    assert seen == {"forward", "same-padding", "halving-stride", "floor"}
