"""Paper exercise: counting parameters (conv, fully connected, depthwise-separable, 1x1
bottleneck, batch norm).

Each variant is a small layer-spec (DESIGN.md 3.5); the counts come from the engine's
model of that spec (built on the meta device), layer by layer.
"""

from __future__ import annotations

import random

from grader.paper import formulas
from grader.paper.engine import layer_params
from grader.paper.model import Body, Part, PaperExercise, Step

__all__ = ["EXERCISE", "QUESTION_TYPES"]

QUESTION_TYPES = ("conv-fc", "depthwise-separable", "bottleneck", "batchnorm")

_CHANNELS = (1, 3, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)


def _draw(rng: random.Random, difficulty: str) -> dict:
    if difficulty == "easy":
        qtype = "conv-fc"
    elif difficulty == "medium":
        qtype = rng.choice(("conv-fc", "depthwise-separable", "batchnorm"))
    else:
        qtype = rng.choice(QUESTION_TYPES)
    bias = True if difficulty == "easy" else rng.random() < 0.5
    if qtype == "conv-fc":
        return {"type": qtype, "channels": rng.choice(_CHANNELS[:8]), "size": rng.choice((4, 5, 7, 8, 14, 28)),
                "filters": rng.choice(_CHANNELS[2:]), "kernel": rng.choice((1, 3, 5, 7)),
                "outputs": rng.choice((10, 32, 64, 100, 128, 256)), "bias": bias}
    if qtype == "depthwise-separable":
        return {"type": qtype, "channels": rng.choice(_CHANNELS[3:]), "filters": rng.choice(_CHANNELS[3:]),
                "kernel": rng.choice((3, 5, 7)), "bias": bias}
    if qtype == "bottleneck":
        channels = rng.choice((64, 128, 256, 512, 1024))
        return {"type": qtype, "channels": channels,
                "reduced": channels // rng.choice((2, 4, 8)), "bias": bias}
    return {"type": qtype, "channels": rng.choice(_CHANNELS[:10]), "filters": rng.choice(_CHANNELS[2:]),
            "kernel": rng.choice((1, 3, 5))}


def _conv(filters: int, kernel: int, *, bias: bool, groups: int = 1) -> dict:
    return {"type": "conv", "filters": filters, "kernel": kernel, "padding": "same",
            "groups": groups, "bias": bias}


def _bias_words(bias: bool) -> str:
    return "with a bias per output" if bias else "without bias"


def _build(p: dict) -> Body:
    return {"conv-fc": _build_conv_fc, "depthwise-separable": _build_separable,
            "bottleneck": _build_bottleneck, "batchnorm": _build_batchnorm}[p["type"]](p)


def _build_conv_fc(p: dict) -> Body:
    C, N, F, K, M, bias = (p[k] for k in ("channels", "size", "filters", "kernel", "outputs", "bias"))
    (conv,) = layer_params({"input": [C, N, N], "layers": [_conv(F, K, bias=bias)]})
    (fc,) = layer_params({"input": [C, N, N], "layers": [{"type": "fc", "outputs": M, "bias": bias}]})
    statement = (
        f"An input volume has shape ${C} \\times {N} \\times {N}$ (channels, height, width). All "
        f"layers below are {_bias_words(bias)}.",
    )
    parts = (
        Part("a", f"Number of learnable parameters of a convolutional layer with ${F}$ filters of "
                  f"size ${K} \\times {K}$ applied to it.", conv),
        Part("b", f"Number of learnable parameters of a fully connected layer mapping the "
                  f"flattened input to ${M}$ outputs.", fc),
    )
    steps = (
        Step("A filter spans all input channels; one bias per filter (when present):",
             formulas.conv_params(bias)),
        Step("Convolution ($G = 1$):",
             f"{K} \\cdot {K} \\cdot {C} \\cdot {F}" + (f" + {F}" if bias else "") + f" = {conv}"),
        Step("A fully connected layer has one weight per (input, output) pair:",
             formulas.fc_params(bias)),
        Step(f"The flattened input has $D_{{in}} = {C} \\cdot {N} \\cdot {N} = {C * N * N}$ values:",
             f"{C * N * N} \\cdot {M}" + (f" + {M}" if bias else "") + f" = {fc}"),
        Step(f"The convolution needs {fc / conv:.1f} times fewer parameters: weights are shared "
             f"across positions." if fc > conv else
             "Weights of the convolution are shared across all positions."),
    )
    return Body(statement, parts, steps)


def _build_separable(p: dict) -> Body:
    C, F, K, bias = p["channels"], p["filters"], p["kernel"], p["bias"]
    shape = [C, 16, 16]
    (standard,) = layer_params({"input": shape, "layers": [_conv(F, K, bias=bias)]})
    depthwise, pointwise = layer_params({"input": shape, "layers": [
        _conv(C, K, bias=bias, groups=C), _conv(F, 1, bias=bias)]})
    separable = depthwise + pointwise
    statement = (
        f"A layer maps ${C}$ input channels to ${F}$ output channels with ${K} \\times {K}$ "
        f"kernels and 'same' padding, {_bias_words(bias)}. Compare a standard convolution with a "
        f"depthwise-separable one (a ${K} \\times {K}$ depthwise convolution, one filter per "
        f"input channel, then a $1 \\times 1$ pointwise convolution).",
    )
    parts = (
        Part("a", "Parameters of the standard convolution.", standard),
        Part("b", "Parameters of the depthwise convolution.", depthwise),
        Part("c", "Parameters of the pointwise convolution.", pointwise),
        Part("d", "Parameters saved by the separable version (a minus b minus c).",
             standard - separable),
    )
    steps = (
        Step("Standard convolution:", formulas.conv_params(bias)),
        Step("", f"{K} \\cdot {K} \\cdot {C} \\cdot {F}" + (f" + {F}" if bias else "") + f" = {standard}"),
        Step("Depthwise ($G = C_{in}$, each filter sees one channel):", formulas.depthwise_params(bias)),
        Step("", f"{K}^2 \\cdot {C}" + (f" + {C}" if bias else "") + f" = {depthwise}"),
        Step("Pointwise ($1 \\times 1$):", formulas.pointwise_params(bias)),
        Step("", f"{C} \\cdot {F}" + (f" + {F}" if bias else "") + f" = {pointwise}"),
        Step("Saving:", f"{standard} - ({depthwise} + {pointwise}) = {standard - separable}"),
    )
    return Body(statement, parts, steps)


def _build_bottleneck(p: dict) -> Body:
    C, m, bias = p["channels"], p["reduced"], p["bias"]
    shape = [C, 14, 14]
    (direct,) = layer_params({"input": shape, "layers": [_conv(C, 3, bias=bias)]})
    reduce_, middle, expand = layer_params({"input": shape, "layers": [
        _conv(m, 1, bias=bias), _conv(m, 3, bias=bias), _conv(C, 1, bias=bias)]})
    bottleneck = reduce_ + middle + expand
    statement = (
        f"A feature map has ${C}$ channels. Compare one $3 \\times 3$ convolution ${C} \\to {C}$ "
        f"with a bottleneck: $1 \\times 1$ convolution ${C} \\to {m}$, $3 \\times 3$ convolution "
        f"${m} \\to {m}$, $1 \\times 1$ convolution ${m} \\to {C}$. All convolutions are "
        f"{_bias_words(bias)}.",
    )
    parts = (
        Part("a", "Parameters of the single $3 \\times 3$ convolution.", direct),
        Part("b", "Parameters of the whole bottleneck (three convolutions).", bottleneck),
        Part("c", "Parameters saved by the bottleneck (a minus b).", direct - bottleneck),
    )
    bb = (lambda n: f" + {n}") if bias else (lambda n: "")
    steps = (
        Step("Each convolution has", formulas.conv_params(bias)),
        Step("Direct:", f"3 \\cdot 3 \\cdot {C} \\cdot {C}{bb(C)} = {direct}"),
        Step("Bottleneck:", f"(1 \\cdot {C} \\cdot {m}{bb(m)}) + (3 \\cdot 3 \\cdot {m} \\cdot {m}{bb(m)}) "
                            f"+ (1 \\cdot {m} \\cdot {C}{bb(C)}) = {reduce_} + {middle} + {expand} = {bottleneck}"),
        Step("Saving:", f"{direct} - {bottleneck} = {direct - bottleneck}"),
    )
    return Body(statement, parts, steps)


def _build_batchnorm(p: dict) -> Body:
    C, F, K = p["channels"], p["filters"], p["kernel"]
    conv, bn = layer_params({"input": [C, 8, 8], "layers": [_conv(F, K, bias=False), {"type": "batchnorm"}]})
    statement = (
        f"A convolutional layer with ${F}$ filters of size ${K} \\times {K}$ and no bias (the batch "
        f"norm's shift replaces it) is applied to ${C}$ input channels, followed by a batch "
        f"normalization layer.",
    )
    parts = (
        Part("a", "Learnable parameters of the convolution.", conv),
        Part("b", "Learnable parameters of the batch normalization layer.", bn),
        Part("c", "Learnable parameters of the two layers together.", conv + bn),
    )
    steps = (
        Step("Convolution without bias:", formulas.conv_params(False)),
        Step("", f"{K} \\cdot {K} \\cdot {C} \\cdot {F} = {conv}"),
        Step("Batch norm learns a scale $\\gamma$ and a shift $\\beta$ per channel; its running "
             "mean and variance are statistics, not learnable parameters:", formulas.batchnorm_params()),
        Step("", f"2 \\cdot {F} = {bn}"),
        Step("Together:", f"{conv} + {bn} = {conv + bn}"),
    )
    return Body(statement, parts, steps)


EXERCISE = PaperExercise(
    name="param-count",
    title="Counting parameters",
    summary="Parameters of conv and FC layers, depthwise-separable vs standard, 1x1 bottlenecks, batch norm.",
    draw=_draw,
    build=_build,
    points={"easy": 12, "medium": 12, "hard": 12},
    topics=QUESTION_TYPES,
)
