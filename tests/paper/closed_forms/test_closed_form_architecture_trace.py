"""Closed-form check of the architecture-trace paper exercise (see closed_form_support)."""

from __future__ import annotations

from closed_form_support import CONV_PARAMS, FC_PARAMS, OUT, variants


def test_architecture_trace_matches_layer_by_layer_formulas():
    """Shapes by the floor formula, parameters by the conv/FC formulas, for random stacks."""
    for v in variants("architecture-trace", 100):
        p = v.params
        if p["type"] == "named":
            continue
        C, n, _ = p["input"]
        shapes, total = [], 0
        for layer in p["layers"]:
            if layer["type"] == "conv":
                total += CONV_PARAMS(C, layer["filters"], layer["kernel"], layer["kernel"], 1, 1)
                C, n = layer["filters"], OUT(n, layer["kernel"], layer["stride"], layer["padding"], 1)
                shapes.append((C, n, n))
            elif layer["type"] == "maxpool":
                n = OUT(n, layer["kernel"], layer["stride"], 0, 1)
                shapes.append((C, n, n))
            elif layer["type"] == "fc":
                total += FC_PARAMS(C * n * n, layer["outputs"], 1)
                shapes.append(layer["outputs"])
        got = [part.answer for part in v.parts]
        assert got == shapes + [total], p
