"""Paper exercise: output size of a convolution (stride, padding, dilation).

Four question types: compute the output size (``forward``), solve for the padding that
keeps the size (``same-padding``), solve for the stride that halves it (``halving-stride``),
and a size that does not divide, to teach the floor (``floor``). Answers come from the
engine's torch-free ``conv_output_size`` and ``same_padding``; the stride is found by asking
the engine which value gives the wanted size.
"""

from __future__ import annotations

import random

from grader.paper import formulas
from grader.paper.engine import conv_output_size, same_padding
from grader.paper.model import Body, Part, PaperExercise, Step

__all__ = ["EXERCISE", "QUESTION_TYPES"]

QUESTION_TYPES = ("forward", "same-padding", "halving-stride", "floor")

_SIZES = (7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 24, 28, 31, 32, 33, 48, 56, 63, 64, 96,
          100, 112, 127, 128, 224, 227)


def _draw(rng: random.Random, difficulty: str) -> dict:
    if difficulty == "easy":
        qtype = rng.choice(("forward", "forward", "same-padding"))
    else:
        qtype = rng.choice(QUESTION_TYPES)
    dilated = difficulty == "hard"
    while True:  # rejection sampling: only valid, well-posed variants leave the loop
        p = _draw_type(rng, qtype, difficulty, dilated)
        if p is not None:
            return p


def _draw_type(rng: random.Random, qtype: str, difficulty: str, dilated: bool) -> dict | None:
    dilation = rng.choice((1, 1, 2, 3)) if dilated else 1
    if qtype == "same-padding":
        kernel = rng.choice((1, 3, 5, 7, 9, 11))
        dilation = 1 if kernel == 1 else dilation
        size = rng.choice(_SIZES)
        if dilation * (kernel - 1) + 1 > size:
            return None
        return {"type": qtype, "size": size, "kernel": kernel, "dilation": dilation,
                "channels": rng.choice((1, 3, 16, 32, 64)), "filters": rng.choice((8, 16, 32, 64))}
    if qtype == "halving-stride":
        size = rng.choice([s for s in _SIZES if s % 2 == 0])
        kernel = rng.choice((1, 2, 3, 4, 5, 7))
        dilation = 1 if kernel == 1 else dilation
        padding = rng.randint(0, kernel // 2)
        if dilation * (kernel - 1) + 1 > size + 2 * padding:
            return None
        # Well posed only when exactly one stride gives half the size.
        if len(_strides_giving(size // 2, size, kernel, padding, dilation)) != 1:
            return None
        return {"type": qtype, "size": size, "kernel": kernel, "padding": padding,
                "dilation": dilation}
    # forward and floor: a full C x H x W -> F x H' x W' question.
    height = rng.choice(_SIZES)
    width = height if difficulty != "hard" else rng.choice(_SIZES)
    kernel = rng.choice((1, 2, 3, 3, 5, 7, 9, 11))
    dilation = 1 if kernel == 1 else dilation
    stride = rng.choice((1, 2)) if difficulty == "easy" else rng.choice((1, 2, 2, 3, 4))
    padding = rng.randint(0, kernel // 2 + (1 if difficulty == "hard" else 0))
    span = dilation * (kernel - 1) + 1
    if span > min(height, width) + 2 * padding:
        return None
    remainders = [(n + 2 * padding - span) % stride for n in (height, width)]
    if qtype == "floor" and remainders[0] == 0:
        return None  # the floor variant must not divide (in height at least)
    if qtype == "forward" and difficulty == "easy" and any(remainders):
        return None  # easy: everything divides
    return {"type": qtype, "height": height, "width": width, "kernel": kernel,
            "stride": stride, "padding": padding, "dilation": dilation,
            "channels": rng.choice((1, 3, 16, 32, 64)), "filters": rng.choice((8, 16, 32, 64, 96))}


def _strides_giving(target: int, size: int, kernel: int, padding: int, dilation: int) -> list[int]:
    """Every stride whose output size (from the engine) is ``target``.

    The output size never grows with the stride, so the search stops at the first stride
    that gives less than the target.
    """
    found = []
    for s in range(1, size + 2 * padding + 1):
        out = conv_output_size(size, kernel, stride=s, padding=padding, dilation=dilation)
        if out < target:
            break
        if out == target:
            found.append(s)
    return found


def _size_numbers(n: int, k: int, s: int, p: int, d: int) -> str:
    inner = f"{n} + 2 \\cdot {p} - {d} \\cdot ({k} - 1) - 1"
    return (f"\\left\\lfloor \\frac{{{inner}}}{{{s}}} \\right\\rfloor + 1 = "
            f"\\left\\lfloor \\frac{{{n + 2 * p - d * (k - 1) - 1}}}{{{s}}} \\right\\rfloor + 1 = "
            f"{conv_output_size(n, k, stride=s, padding=p, dilation=d)}")


def _build(p: dict) -> Body:
    qtype = p["type"]
    if qtype == "same-padding":
        return _build_same(p)
    if qtype == "halving-stride":
        return _build_halving(p)
    return _build_forward(p)


def _dilation_text(d: int) -> str:
    return f", dilation ${d}$" if d > 1 else ""


def _build_forward(p: dict) -> Body:
    H, W, K, S, P, D = (p[k] for k in ("height", "width", "kernel", "stride", "padding",
                                       "dilation"))
    C, F = p["channels"], p["filters"]
    Ho = conv_output_size(H, K, stride=S, padding=P, dilation=D)
    Wo = conv_output_size(W, K, stride=S, padding=P, dilation=D)
    statement = (
        f"An input of shape $C \\times H \\times W = {C} \\times {H} \\times {W}$ goes through a "
        f"convolutional layer with ${F}$ filters of size ${K} \\times {K}$, stride ${S}$, zero "
        f"padding ${P}$ on every side{_dilation_text(D)}. Output sizes are rounded down.",
    )
    parts = (
        Part("a", "Height $H_{out}$ of the output.", Ho),
        Part("b", "Width $W_{out}$ of the output.", Wo),
        Part("c", "Number of values in the output volume $C_{out} \\cdot H_{out} \\cdot W_{out}$.",
             F * Ho * Wo),
    )
    steps = [
        Step("The output size along one axis is", formulas.conv_output()),
        Step("Height:", "H_{out} = " + _size_numbers(H, K, S, P, D)),
        Step("Width:", "W_{out} = " + _size_numbers(W, K, S, P, D)),
    ]
    rem = (H + 2 * P - D * (K - 1) - 1) % S
    if rem:
        steps.append(Step(
            f"The stride does not divide ${H + 2 * P - D * (K - 1) - 1}$: the remainder ${rem}$ "
            f"means the last ${rem}$ row(s) of the padded input are never covered by a window "
            f"that fits, so the division is rounded down."))
    steps.append(Step(f"The output has one channel per filter: ${F} \\times {Ho} \\times {Wo}$, "
                      f"that is ${F * Ho * Wo}$ values."))
    return Body(statement, parts, tuple(steps))


def _build_same(p: dict) -> Body:
    N, K, D, C, F = p["size"], p["kernel"], p["dilation"], p["channels"], p["filters"]
    # The engine's 'same' padding: symmetric here, as drawn kernels are odd (D(K-1) even).
    P, _ = same_padding(K, dilation=D)
    statement = (
        f"A convolutional layer with ${F}$ filters of size ${K} \\times {K}$, stride $1${_dilation_text(D)} "
        f"is applied to a ${C} \\times {N} \\times {N}$ input. The output must keep the "
        f"spatial size ${N} \\times {N}$.",
    )
    parts = (
        Part("a", "Zero padding $P$ (the same on every side) needed to keep the size.", P),
        Part("b", "Number of output channels.", F),
    )
    steps = (
        Step("At stride 1 the output size is $H + 2P - D(K-1)$; it equals $H$ when",
             formulas.same_padding()),
        Step("With the numbers:", f"P = \\frac{{{D} \\cdot ({K} - 1)}}{{2}} = {P}"),
        Step("Check:", "H_{out} = " + _size_numbers(N, K, 1, P, D)),
        Step(f"Each filter gives one output channel: ${F}$ channels."),
    )
    return Body(statement, parts, steps)


def _build_halving(p: dict) -> Body:
    N, K, P, D = p["size"], p["kernel"], p["padding"], p["dilation"]
    half = N // 2
    (S,) = _strides_giving(half, N, K, P, D)
    statement = (
        f"A ${K} \\times {K}$ convolution with zero padding ${P}${_dilation_text(D)} is applied to a "
        f"${N} \\times {N}$ input. We want the output to be ${half} \\times {half}$, half the "
        f"input size.",
    )
    parts = (Part("a", "Which stride $S$ gives that output size?", S),)
    steps = (
        Step("The output size is", formulas.conv_output()),
        Step(f"We need $H_{{out}} = {half}$; try strides in increasing order. With $S = {S}$:",
             "H_{out} = " + _size_numbers(N, K, S, P, D)),
        Step(f"No other stride gives ${half}$, so $S = {S}$."),
    )
    return Body(statement, parts, steps)


EXERCISE = PaperExercise(
    name="conv-output-shape",
    title="Output size of a convolution",
    summary="Output size with stride/padding/dilation; padding that keeps it; stride that halves it.",
    draw=_draw,
    build=_build,
    points={"easy": 6, "medium": 6, "hard": 6},
    topics=QUESTION_TYPES,
)
