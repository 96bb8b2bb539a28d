"""Paper exercise: what weight sharing saves (fully connected vs locally connected vs
convolution; a global-average-pooling head vs a fully connected one).

Three question types: the course notes' 1-D progression (fully connected, m n parameters;
locally connected, m k; weights tied, k) (``progression-1d``); the same for a 2-D layer,
where a locally connected layer has one filter bank per output position
(``locally-connected-2d``); and a classifier head on the last feature map, flattened into a
dense layer or global-average-pooled first (``gap-head``). Counts come from the engine's
models of layer specs (built on the meta device); a locally connected layer is a
convolution's filter bank once per output position, so its count is the engine's
convolution count times the engine's number of output positions.
"""

from __future__ import annotations

import random

from grader.paper import formulas
from grader.paper.engine import layer_params, spec_shapes
from grader.paper.model import Body, Part, PaperExercise, Step

__all__ = ["EXERCISE", "QUESTION_TYPES"]

QUESTION_TYPES = ("progression-1d", "locally-connected-2d", "gap-head")

_CHANNELS = (16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 1024, 2048)
_CLASSES = (2, 5, 10, 20, 37, 100, 200, 1000)


def _draw(rng: random.Random, difficulty: str) -> dict:
    qtype = rng.choice({"easy": ("progression-1d", "gap-head"), "medium": QUESTION_TYPES,
                        "hard": ("locally-connected-2d", "gap-head")}[difficulty])
    easy, hard = difficulty == "easy", difficulty == "hard"
    if qtype == "progression-1d":
        k = rng.choice((2, 3, 4, 5, 7))
        return {"type": qtype, "inputs": rng.randint(max(6, k + 1), 64 if easy else 256), "kernel": k,
                "stride": 1 if easy else rng.choice((1, 2)), "bias": False if easy else rng.random() < 0.5}
    if qtype == "locally-connected-2d":
        while True:
            kernel = rng.choice((3, 5, 7))
            height = rng.choice((8, 10, 12, 14, 16, 28, 32))
            width = rng.choice((8, 10, 12, 14, 16, 28, 32)) if hard else height
            stride = rng.choice((1, 2)) if hard else 1
            padding = rng.randint(0, kernel // 2) if hard else rng.choice((0, kernel // 2))
            if (min(height, width) + 2 * padding - kernel) // stride + 1 >= 2:
                break
        return {"type": qtype, "channels": rng.choice((1, 3, 8, 16, 32)), "size": [height, width],
                "filters": rng.choice((4, 8, 16, 32, 64)), "kernel": kernel, "stride": stride,
                "padding": padding, "bias": rng.random() < 0.5}
    height = rng.choice((2, 3, 4, 5, 6, 7, 8, 14))
    return {"type": qtype, "channels": rng.choice(_CHANNELS), "size": [height, height],
            "classes": rng.choice(_CLASSES), "hidden": rng.choice((128, 256, 512, 1024, 4096)) if hard else None}


def _build(p: dict) -> Body:
    return {"progression-1d": _build_progression, "locally-connected-2d": _build_local_2d,
            "gap-head": _build_gap_head}[p["type"]](p)


def _conv_and_positions(input_shape: list[int], conv: dict) -> tuple[int, int, tuple[int, ...]]:
    """(parameters of the convolution, its number of output positions, its output shape)."""
    spec = {"input": input_shape, "layers": [conv]}
    (params,) = layer_params(spec)
    (shape,) = spec_shapes(spec)
    return params, shape[1] * shape[2], shape


def _plus(bias: bool, n) -> str:
    return f" + {n}" if bias else ""


def _build_progression(p: dict) -> Body:
    n, k, s, bias = p["inputs"], p["kernel"], p["stride"], p["bias"]
    conv, m, _ = _conv_and_positions([1, 1, n], {"type": "conv", "filters": 1, "kernel": [1, k],
                                                 "stride": [1, s], "bias": bias})
    (fc,) = layer_params({"input": [n], "layers": [{"type": "fc", "outputs": m, "bias": bias}]})
    local = m * conv
    statement = (
        f"A layer maps a 1-D input of ${n}$ values to outputs $y_i$, each computed from a window of "
        f"${k}$ neighbouring inputs" + (f" (windows ${s}$ apart)" if s > 1 else " (windows one apart)") +
        f", as a convolution with kernel size ${k}$, stride ${s}$ and no padding would. Every output "
        f"{'has a bias' if bias else 'has no bias'}. Compare three ways of connecting it.",
    )
    parts = (
        Part("a", "The number of outputs $m$.", m),
        Part("b", "Parameters of a fully connected layer from the inputs to the $m$ outputs.", fc),
        Part("c", f"Parameters of a locally connected layer: each output sees only its ${k}$ inputs, "
                  f"with weights of its own.", local),
        Part("d", "Parameters of the convolution: the same weights at every position (weight tying).", conv),
    )
    steps = (
        Step("Outputs:", f"m = \\lfloor ({n} - {k}) / {s} \\rfloor + 1 = {m}"),
        Step("Fully connected: every output sees every input (and the spatial structure is lost):",
             formulas.fc_params(bias)),
        Step("", f"{n} \\cdot {m}{_plus(bias, m)} = {fc}"),
        Step("Locally connected (locality): each output keeps only its window, but with its own weights "
             "(no invariance to where a pattern is):",
             f"{m} \\cdot ({k} + 1) = {local}" if bias else f"{m} \\cdot {k} = {local}"),
        Step("Weight tying (a convolution): one set of weights for all positions, so a pattern is "
             "detected wherever it appears:", f"{k} + 1 = {conv}" if bias else f"N = {conv}"),
        Step(f"Locality saves a factor ${fc / local:.3g}$; tying the weights another ${m}$."),
    )
    return Body(statement, parts, steps)


def _build_local_2d(p: dict) -> Body:
    C, (H, W), F, K, S, P, bias = (p[k] for k in ("channels", "size", "filters", "kernel", "stride",
                                                   "padding", "bias"))
    conv, positions, (_, Ho, Wo) = _conv_and_positions(
        [C, H, W], {"type": "conv", "filters": F, "kernel": K, "stride": S, "padding": P, "bias": bias})
    (fc,) = layer_params({"input": [C, H, W], "layers": [{"type": "fc", "outputs": F * Ho * Wo, "bias": bias}]})
    local = positions * conv
    statement = (
        f"A convolutional layer with ${F}$ filters of size ${K} \\times {K}$, stride ${S}$ and "
        f"{f'zero padding ${P}$' if P else 'no padding'}, {'with' if bias else 'without'} bias, maps an input of shape "
        f"${C} \\times {H} \\times {W}$ (channels, height, width) to ${F} \\times {Ho} \\times {Wo}$. "
        f"A locally connected layer has the same windows and output shape, but its own filters at "
        f"every output position (no weight sharing).",
    )
    parts = (
        Part("a", "Parameters of the convolutional layer.", conv),
        Part("b", "Parameters of the locally connected layer.", local),
        Part("c", f"Parameters of a fully connected layer from the flattened input to the "
                  f"${F * Ho * Wo}$ output values.", fc),
        Part("d", "How many times more parameters the locally connected layer has than the "
                  "convolution.", local // conv),
    )
    steps = (
        Step("Convolution:", formulas.conv_params(bias)),
        Step("", f"{K} \\cdot {K} \\cdot {C} \\cdot {F}{_plus(bias, F)} = {conv}"),
        Step(f"Locally connected: the same filter bank, once per output position "
             f"(${Ho} \\cdot {Wo} = {positions}$ positions):", formulas.locally_connected_params(bias)),
        Step("", f"{positions} \\cdot {conv} = {local}"),
        Step(f"Fully connected: one weight per (input, output) pair, $D_{{in}} = {C} \\cdot {H} \\cdot {W} "
             f"= {C * H * W}$, $D_{{out}} = {F} \\cdot {Ho} \\cdot {Wo} = {F * Ho * Wo}$:",
             formulas.fc_params(bias)),
        Step("", f"{C * H * W} \\cdot {F * Ho * Wo}{_plus(bias, F * Ho * Wo)} = {fc}"),
        Step(f"Sharing the filters across positions divides the count by the number of positions: "
             f"${local} / {conv} = {local // conv}$."),
    )
    return Body(statement, parts, steps)


def _head(C: int, H: int, W: int, M: int, hidden: int | None, *, pooled: bool) -> list[int]:
    layers = [{"type": "globalavgpool"}] if pooled else []
    if hidden:
        layers += [{"type": "fc", "outputs": hidden}, {"type": "relu"}]
    layers.append({"type": "fc", "outputs": M})
    return layer_params({"input": [C, H, W], "layers": layers})


def _build_gap_head(p: dict) -> Body:
    C, (H, W), M, h = p["channels"], p["size"], p["classes"], p["hidden"]
    flat, pooled = sum(_head(C, H, W, M, h, pooled=False)), sum(_head(C, H, W, M, h, pooled=True))
    via = f"a dense layer of ${h}$ units with ReLU, then " if h else ""
    statement = (
        f"The last convolutional stage of a classifier outputs feature maps of shape "
        f"${C} \\times {H} \\times {W}$; the network predicts ${M}$ classes. Compare two heads, both "
        f"with biases: (1) flatten, then {via}a dense layer to the ${M}$ classes; (2) global average "
        f"pooling (one average per channel), then {via}the same dense layer to the ${M}$ classes.",
    )
    parts = (
        Part("a", "Parameters of head (1), flatten and dense.", flat),
        Part("b", "Parameters of head (2), global average pooling and dense.", pooled),
        Part("c", "Parameters saved by global average pooling (a minus b).", flat - pooled),
    )
    first_out = h or M
    steps = [
        Step("A dense layer has one weight per (input, output) pair and one bias per output; pooling "
             "has no parameters:", formulas.fc_params(True)),
        Step(f"Flattened, the dense layer sees $D_{{in}} = {C} \\cdot {H} \\cdot {W} = {C * H * W}$ values:",
             f"{C * H * W} \\cdot {first_out} + {first_out} = {C * H * W * first_out + first_out}"),
        Step(f"After global average pooling it sees $D_{{in}} = {C}$ (one value per channel, whatever "
             f"the input size):", f"{C} \\cdot {first_out} + {first_out} = {C * first_out + first_out}"),
    ]
    if h:
        steps.append(Step("Both heads then have the same last layer:", f"{h} \\cdot {M} + {M} = {h * M + M}"))
    steps.append(Step("The saving is the first layer's weights on the spatial positions:",
                      f"{flat} - {pooled} = {flat - pooled} = {C} \\cdot ({H * W} - 1) \\cdot {first_out}"))
    if H * W > 1:
        steps.append(Step(f"Head (1) has ${flat / pooled:.3g}$ times the parameters of head (2), and "
                          f"only head (2) accepts feature maps of any size."))
    return Body(statement, parts, tuple(steps))


EXERCISE = PaperExercise(
    name="weight-sharing",
    title="What weight sharing saves",
    summary="Fully connected vs locally connected vs convolution parameter counts (1-D and 2-D); GAP vs flattened dense heads.",
    draw=_draw,
    build=_build,
    points={"easy": 12, "medium": 12, "hard": 12},
    topics=QUESTION_TYPES,
)
