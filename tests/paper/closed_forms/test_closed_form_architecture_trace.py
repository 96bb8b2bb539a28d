"""Closed-form check of the architecture-trace paper exercise (see closed_form_support).

Every layer type a stack draws is recomputed here from its own rule, never from the engine:
sizes by the floor formula ('same' padding keeps the size), convolution and dense
parameters by their formulas, batch norm 2C (its running statistics are buffers), a residual
block's shortcut by the projection rule (identity when the path keeps the shape, else a 1x1
convolution with bias whose stride maps the input size onto the path's), an inception
block's branches concatenated along the channels. The described architectures are checked
from the statement's text alone: parsing its layer listing and recomputing gives the key.
"""

from __future__ import annotations

import re

from closed_form_support import CONV_PARAMS, DIFFS, FC_PARAMS, OUT, answers, variants

from exercises import get_exercise

SEEDS = 1000   # per difficulty: 3,000 variants


def bn_params(c: int) -> int:
    return 2 * c   # gamma and beta per channel


def projection_stride(n: int, m: int) -> int:
    """The smallest stride of a 1x1 convolution taking size n to size m."""
    return next(s for s in range(1, n + 1) if OUT(n, 1, s, 0, 1) == m)


def trace(layers: list[dict], c: int, n: int):
    """(shapes of the layers whose shape is asked, total parameters, output (c, n))."""
    asked, total = [], 0
    for layer in layers:
        t = layer["type"]
        if t == "conv":
            k, s, f = layer["kernel"], layer["stride"], layer["filters"]
            pad = (k - 1) // 2 if layer["padding"] == "same" else layer["padding"]
            total += CONV_PARAMS(c, f, k, k, 1, 1)
            c, n = f, OUT(n, k, s, pad, 1)
            asked.append((c, n, n))
        elif t in ("maxpool", "avgpool"):
            n = OUT(n, layer["kernel"], layer["stride"], layer.get("padding", 0), 1)
            asked.append((c, n, n))
        elif t == "batchnorm":
            total += bn_params(c)
        elif t == "residual":
            _, path_total, (c_out, n_out) = trace(layer["layers"], c, n)
            total += path_total
            if (c_out, n_out) != (c, n):   # projection shortcut, 1x1 with bias
                assert OUT(n, 1, projection_stride(n, n_out), 0, 1) == n_out
                total += CONV_PARAMS(c, c_out, 1, 1, 1, 1)
            c, n = c_out, n_out
            asked.append((c, n, n))
        elif t == "inception":
            outs = [trace(branch, c, n) for branch in layer["branches"]]
            assert len({size for _, _, (_, size) in outs}) == 1   # same size: concatenable
            total += sum(t_ for _, t_, _ in outs)
            c, n = sum(ch for _, _, (ch, _) in outs), outs[0][2][1]
            asked.append((c, n, n))
        elif t == "fc":
            total += FC_PARAMS(c * n * n if n else c, layer["outputs"], 1)
            c, n = layer["outputs"], None
            asked.append(c)
        else:
            assert t in ("relu", "sigmoid", "lrn", "dropout"), t
    return asked, total, (c, n)


def test_architecture_trace_matches_layer_by_layer_formulas():
    """Shapes and the total of every random stack, new layer types included."""
    drawn = {d: set() for d in DIFFS}
    for v in variants("architecture-trace", SEEDS):
        p = v.params
        if p["type"] == "named":
            continue
        C, n, _ = p["input"]
        shapes, total, _ = trace(p["layers"], C, n)
        assert [part.answer for part in v.parts] == shapes + [total], p
        drawn[v.difficulty] |= _kinds(p["layers"])
        # The statement names, block by block, the shortcut the projection rule gives.
        assert _SHORTCUT.findall(v.statement[0]) == _shortcuts(p), p
    # The richer layers are drawn where the exercise says, and only there.
    rich = {"same", "batchnorm", "avgpool", "conv1x1"}
    assert rich <= drawn["medium"] and rich | {"residual", "inception"} <= drawn["hard"]
    assert not drawn["easy"] & {"same", "batchnorm", "avgpool", "residual", "inception"}
    assert not drawn["medium"] & {"residual", "inception"}


def _kinds(layers) -> set[str]:
    out = set()
    for layer in layers:
        out.add(layer["type"])
        if layer["type"] == "conv" and layer["padding"] == "same":
            out.add("same")
        if layer["type"] == "conv" and layer["kernel"] == 1:
            out.add("conv1x1")
        for inner in [layer.get("layers", [])] + layer.get("branches", []):
            out |= _kinds(inner)
    return out


_SHORTCUT = re.compile(r"shortcut: (the identity|a \$1 \\times 1\$ convolution with \d+ filters, stride \d+)")


def _shortcuts(p: dict) -> list[str]:
    """Each residual block's shortcut in words, by the rule, from the closed-form trace."""
    out = []
    c, n, _ = p["input"]
    for i, layer in enumerate(p["layers"]):
        if layer["type"] == "residual":
            _, _, (c_in, n_in) = trace(p["layers"][:i], c, n)
            _, _, (c_out, n_out) = trace(layer["layers"], c_in, n_in)
            out.append("the identity" if (c_out, n_out) == (c_in, n_in) else
                       f"a $1 \\times 1$ convolution with {c_out} filters, stride "
                       f"{projection_stride(n_in, n_out)}")
    return out


def test_at_least_300_distinct_variants_per_difficulty():
    ex = get_exercise("architecture-trace")
    for d in DIFFS:
        roster = ex.draw_roster([str(i) for i in range(300)], difficulty=d)
        assert len({str(params) for _, params in roster}) == 300


# --- the described architectures: the statement alone determines the key ------------------

_ITEM = re.compile(r"\((\d+)\) (.*?)(?=; \(\d+\) |\. Convolutions)")
_CONV = re.compile(r"Conv \(\$(\d+) \\times \1\$\), (\d+) filters, padding (\d+|'same'), stride (\d+)$")
_POOL = re.compile(r"(?:Max|Average) pool \(\$(\d+) \\times \1\$\), stride (\d+)(?:, padding (\d+))?$")
_FC = re.compile(r"Fully connected layer \((\d+) outputs\)$")


def parse_statement(text: str) -> tuple[int, int, list[dict]]:
    """(channels, size, layers) read back from a statement's 'Input: ... Layers, in order: ...'."""
    h, w, c = map(int, re.search(r"Input: \$(\d+) \\times (\d+) \\times (\d+)\$", text).groups())
    assert h == w
    layers = []
    listing = text[text.index("Layers, in order: ") + len("Layers, in order: "):]
    for index, item in _ITEM.findall(listing):
        assert int(index) == len(layers) + 1
        if m := _CONV.match(item):
            k, f, pad, s = m.groups()
            layers.append({"type": "conv", "kernel": int(k), "filters": int(f), "stride": int(s),
                           "padding": "same" if pad == "'same'" else int(pad)})
        elif m := _POOL.match(item):
            k, s, pad = m.groups()
            layers.append({"type": "maxpool", "kernel": int(k), "stride": int(s), "padding": int(pad or 0)})
        elif m := _FC.match(item):
            layers.append({"type": "fc", "outputs": int(m.group(1))})
        elif item.startswith("Local response normalization"):
            layers.append({"type": "lrn"})
        elif item.startswith("Dropout"):
            layers.append({"type": "dropout"})
        else:
            assert item in ("ReLU", "Sigmoid"), item
            layers.append({"type": item.lower()})
    return c, h, layers


def test_described_architectures_keys_follow_from_their_statements():
    """AlexNet of the notes and d2l's LeNet: total, first convolution, last feature map."""
    ex = get_exercise("architecture-trace")
    expected_totals = {"alexnet-notes": 62_378_344, "lenet5-d2l": 61_706}
    for model, published in expected_totals.items():
        v = ex.from_params({"type": "named", "model": model}, difficulty="hard")
        c, n, layers = parse_statement(v.statement[0])
        shapes, total, _ = trace(layers, c, n)
        spatial = [s for s in shapes if isinstance(s, tuple)]
        assert answers(v) == {"a": total, "b": spatial[0], "c": spatial[-1]}, model
        assert total == published, model
    # AlexNet's sizes as the paper gives them: 55x55x96 after conv1, 6x6x256 before fc6.
    v = ex.from_params({"type": "named", "model": "alexnet-notes"}, difficulty="hard")
    assert answers(v)["b"] == (96, 55, 55) and answers(v)["c"] == (256, 6, 6)


def test_random_stack_statements_determine_their_keys():
    """For stacks without blocks the sheet's text alone gives the key, as for a student."""
    checked = 0
    for v in variants("architecture-trace", 300):
        p = v.params
        if p["type"] == "named" or _kinds(p["layers"]) & {"residual", "inception", "batchnorm", "avgpool"}:
            continue
        c, n, layers = parse_statement(v.statement[0])
        shapes, total, _ = trace(layers, c, n)
        assert [part.answer for part in v.parts] == shapes + [total]
        checked += 1
    assert checked > 300
