"""Paper exercise: does a residual block need a 1x1 projection on its shortcut, and what
does it cost?

A basic block (two 3x3 convolutions with padding 1, the first with stride S) maps a
C x H x W input to C' channels. The shortcut ``x`` can be added only when the shapes match;
otherwise a 1x1 convolution with stride S projects it. Answers come from the engine's
layer specs of the main path and of the projection.
"""

from __future__ import annotations

import random

from grader.paper import formulas
from grader.paper.engine import layer_params, spec_shapes
from grader.paper.model import Body, Part, PaperExercise, Step

__all__ = ["EXERCISE"]


def _draw(rng: random.Random, difficulty: str) -> dict:
    C = rng.choice((16, 24, 32, 48, 64, 96, 128, 192, 256, 512))
    size = rng.choice((7, 8, 12, 14, 16, 24, 28, 32, 48, 56, 64, 112))
    if difficulty == "easy":
        stride, out = rng.choice(((1, C), (2, 2 * C)))
    else:
        stride = rng.choice((1, 2))
        out = rng.choice((C, 2 * C, C // 2 if C > 16 else C))
    return {"channels": C, "size": size, "stride": stride, "filters": out,
            "bias": rng.random() < 0.5}


def _conv(filters, kernel, stride, padding, bias):
    return {"type": "conv", "filters": filters, "kernel": kernel, "stride": stride,
            "padding": padding, "bias": bias}


def _build(p: dict) -> Body:
    C, N, S, F, bias = p["channels"], p["size"], p["stride"], p["filters"], p["bias"]
    shape = [C, N, N]
    main = {"input": shape, "layers": [_conv(F, 3, S, 1, bias), {"type": "relu"},
                                       _conv(F, 3, 1, 1, bias)]}
    out_shape = tuple(int(v) for v in spec_shapes(main)[-1])
    needed = out_shape != tuple(shape)
    proj_params = sum(layer_params({"input": shape, "layers": [_conv(F, 1, S, 0, bias)]})) if needed else 0
    main_params = sum(layer_params(main))
    bias_words = "with bias" if bias else "without bias"
    statement = (
        f"A residual block receives a ${C} \\times {N} \\times {N}$ input $x$. Its main path is a "
        f"$3 \\times 3$ convolution with ${F}$ filters, stride ${S}$, padding $1$, a ReLU, then a "
        f"$3 \\times 3$ convolution with ${F}$ filters, stride $1$, padding $1$ (all convolutions "
        f"{bias_words}). The block outputs $\\mathrm{{ReLU}}(F(x) + \\mathrm{{shortcut}}(x))$; "
        f"the shortcut is $x$ itself when the shapes match, otherwise a $1 \\times 1$ convolution "
        f"with ${F}$ filters and stride ${S}$ ({bias_words}).",
    )
    parts = (
        Part("a", "Shape $C \\times H \\times W$ of the main path's output (three numbers).", out_shape),
        Part("b", "Is a projection needed on the shortcut? Answer 1 for yes, 0 for no.", 1 if needed else 0),
        Part("c", "Learnable parameters of the shortcut (0 if it is the identity).", proj_params),
        Part("d", "Learnable parameters of the whole block (main path and shortcut).",
             main_params + proj_params),
    )
    Ho = out_shape[1]
    bb = (lambda n: f" + {n}") if bias else (lambda n: "")
    steps = [
        Step("The first convolution sets the size, the second keeps it (padding 1, stride 1):",
             formulas.conv_output() + f",\\quad \\left\\lfloor \\frac{{{N} + 2 - 2 - 1}}{{{S}}} "
             f"\\right\\rfloor + 1 = {Ho}"),
        Step(f"Output ${F} \\times {Ho} \\times {Ho}$ vs input ${C} \\times {N} \\times {N}$: "
             + ("they differ, so the shortcut needs a $1 \\times 1$ projection with stride "
                f"${S}$ and ${F}$ filters." if needed else "they match, so the identity shortcut works.")),
        Step("Main path parameters:", formulas.conv_params(bias) + f",\\quad 3 \\cdot 3 \\cdot {C} \\cdot {F}{bb(F)}"
             f" + 3 \\cdot 3 \\cdot {F} \\cdot {F}{bb(F)} = {main_params}"),
    ]
    if needed:
        steps.append(Step("Projection:", f"1 \\cdot 1 \\cdot {C} \\cdot {F}{bb(F)} = {proj_params}"))
    steps.append(Step("Whole block:", f"{main_params} + {proj_params} = {main_params + proj_params}"))
    return Body(statement, parts, tuple(steps))


EXERCISE = PaperExercise(
    name="residual-shortcut",
    title="Residual shortcut shapes",
    summary="When a residual block needs a 1x1 projection on its shortcut, and its parameters.",
    draw=_draw,
    build=_build,
    points={"easy": 12, "medium": 12, "hard": 12},
)
