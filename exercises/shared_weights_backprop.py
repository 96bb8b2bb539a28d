"""Paper exercise: backpropagation through shared weights, by hand.

A 1-D or 2-D convolution (no padding, stride 1) with small integers and the loss
``L = sum_i g_i y_i`` (so ``dL/dy = g`` is given): the gradient of the shared weight is a
sum over every position it was used at; also ``dL/dx`` and ``dL/db``. A third type routes a
gradient through 2x2 max pooling. Answers are the engine's autograd gradients (``vjp``).
"""

from __future__ import annotations

import random

from grader.paper import formulas
from grader.paper.engine import as_number, as_rows, as_vector, grads, run
from grader.paper.model import Body, Grid, Part, PaperExercise, Step, fmt_number

__all__ = ["EXERCISE", "QUESTION_TYPES"]

QUESTION_TYPES = ("conv1d", "conv2d", "maxpool")


def _ints(rng: random.Random, n: int, lo: int, hi: int) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(n)]


def _draw(rng: random.Random, difficulty: str) -> dict:
    qtype = {"easy": ("conv1d",), "medium": ("conv1d", "maxpool"),
             "hard": ("conv2d", "maxpool")}[difficulty]
    qtype = rng.choice(qtype)
    full = difficulty != "easy"  # easy asks dL/dw and dL/db only
    if qtype == "conv1d":
        n, k = rng.choice((4, 5, 6)), rng.choice((2, 3))
        return {"type": qtype, "x": _ints(rng, n, -2, 3), "w": _ints(rng, k, -1, 2),
                "b": rng.randint(-1, 1), "g": _ints(rng, n - k + 1, -2, 2), "full": full}
    if qtype == "conv2d":
        n, k = rng.choice((3, 4)), 2
        return {"type": qtype, "x": [_ints(rng, n, -1, 3) for _ in range(n)],
                "w": [_ints(rng, k, -1, 2) for _ in range(k)], "b": rng.randint(-1, 1),
                "g": [_ints(rng, n - k + 1, -1, 2) for _ in range(n - k + 1)], "full": full}
    # Max pooling: distinct values, so each window has one clear maximum to route through.
    values = rng.sample(range(1, 17), 16)
    return {"type": "maxpool", "x": [values[r * 4:(r + 1) * 4] for r in range(4)],
            "g": [_ints(rng, 2, -3, 3) for _ in range(2)]}


def _build(p: dict) -> Body:
    return {"conv1d": _build_conv1d, "conv2d": _build_conv2d, "maxpool": _build_maxpool}[p["type"]](p)


def _build_conv1d(p: dict) -> Body:
    x, w, b, g = p["x"], p["w"], p["b"], p["g"]
    n, k, m = len(x), len(w), len(g)
    dx, dw, db = grads("conv1d", [[[x]], [[w]], [b]], [[g]])
    dw, dx, db = as_vector(dw), as_vector(dx), as_number(db)
    y = as_vector(run("conv1d", [[x]], [[w]], [b]))
    vec = lambda v: "(" + ", ".join(fmt_number(t) for t in v) + ")"  # noqa: E731
    statement = (
        f"A 1-D convolutional layer (cross-correlation, stride 1, no padding) with shared weights "
        f"$w = {vec(w)}$ and bias $b = {b}$ maps the input $x = {vec(x)}$ to "
        f"$y_i = \\sum_k w_k x_{{i+k}} + b$, that is $y = {vec(y)}$. The loss is "
        f"$L = \\sum_i g_i y_i$ with $g = {vec(g)}$, so $\\partial L / \\partial y_i = g_i$.",
    )
    parts = [Part("a", f"The gradient $\\partial L / \\partial w$ (a vector of ${k}$ numbers).", dw),
             Part("b", "The gradient $\\partial L / \\partial b$.", db)]
    if p["full"]:
        parts.append(Part("c", f"The gradient $\\partial L / \\partial x$ (${n}$ numbers).", dx))
    steps = [
        Step("Each $w_k$ is used at every output position, so its gradient sums over positions "
             "(treat each use as its own weight, then add):", formulas.shared_weight_grad(1)),
        Step("", "\\\\ ".join(
            f"\\frac{{\\partial L}}{{\\partial w_{j}}} = "
            + " + ".join(f"({g[i]})({x[i + j]})" for i in range(m)) + f" = {fmt_number(dw[j])}"
            for j in range(k))),
        Step("The bias is used at every position:", formulas.bias_grad()),
        Step("", " + ".join(f"({v})" for v in g) + f" = {fmt_number(db)}"),
    ]
    if p["full"]:
        steps.append(Step("Input $x_t$ feeds every output $y_i$ whose window covers it, through "
                          "weight $w_{t-i}$:", formulas.input_grad(1)))
        steps.append(Step("", "\\partial L / \\partial x = " + vec(dx)))
    return Body(statement, tuple(parts), tuple(steps))


def _build_conv2d(p: dict) -> Body:
    x, w, b, g = p["x"], p["w"], p["b"], p["g"]
    n, k, m = len(x), len(w), len(g)
    dx, dw, db = grads("conv2d", [[[x]], [[w]], [b]], [[g]])
    dw, dx, db = as_rows(dw), as_rows(dx), as_number(db)
    statement = (
        f"A 2-D convolutional layer (cross-correlation, stride 1, no padding) with a "
        f"${k} \\times {k}$ filter $W$ and bias $b = {b}$ maps the ${n} \\times {n}$ input $X$ to "
        f"$Y$. The loss is $L = \\sum_{{i,j}} G_{{i,j}} Y_{{i,j}}$, so "
        f"$\\partial L / \\partial Y = G$.",
        Grid.of("X", x), Grid.of("W", w), Grid.of("G", g),
    )
    parts = [Part("a", f"The gradient $\\partial L / \\partial W$ (${k} \\times {k}$).", dw),
             Part("b", "The gradient $\\partial L / \\partial b$.", db)]
    if p["full"]:
        parts.append(Part("c", f"The gradient $\\partial L / \\partial X$ (${n} \\times {n}$).", dx))
    first = " + ".join(f"({g[i][j]})({x[i][j]})" for i in range(m) for j in range(m))
    steps = [
        Step("The filter is shared by every output position; its gradient sums over them:",
             formulas.shared_weight_grad(2)),
        Step("For example:", f"\\frac{{\\partial L}}{{\\partial W_{{0,0}}}} = {first} = "
                             f"{fmt_number(dw[0][0])}", grid=Grid.of("\\partial L / \\partial W", dw)),
        Step("The bias:", f"\\sum_{{i,j}} G_{{i,j}} = {fmt_number(db)}"),
    ]
    if p["full"]:
        steps.append(Step("Each input pixel collects $G_{i,j} W_{s-i,t-j}$ from every window "
                          "covering it (a full convolution of $G$ with the flipped filter):",
                          formulas.input_grad(2), grid=Grid.of("\\partial L / \\partial X", dx)))
    return Body(statement, tuple(parts), tuple(steps))


def _build_maxpool(p: dict) -> Body:
    x, g = p["x"], p["g"]
    Y = as_rows(run("max_pool2d", [[x]], kernel_size=2, stride=2))
    (dx,) = grads("max_pool2d", [[[x]]], [[g]], kernel_size=2, stride=2)
    dx = as_rows(dx)
    statement = (
        "A $2 \\times 2$ max pooling with stride $2$ is applied to the $4 \\times 4$ input $X$. "
        "The gradient of the loss with respect to the pooled output is $G$.",
        Grid.of("X", x), Grid.of("G", g),
    )
    parts = (Part("a", "The $2 \\times 2$ pooled output $Y$.", Y),
             Part("b", "The gradient $\\partial L / \\partial X$ ($4 \\times 4$).", dx))
    steps = (
        Step("Each window passes on its largest value:", grid=Grid.of("Y", Y)),
        Step("Backward, each window's gradient goes to the position of its maximum only; every "
             "other position gets zero:", formulas.maxpool_grad(), grid=Grid.of("\\partial L / \\partial X", dx)),
    )
    return Body(statement, parts, steps)


EXERCISE = PaperExercise(
    name="shared-weights-backprop",
    title="Backpropagation through shared weights",
    summary="dL/dw as a sum over positions, dL/dx and dL/db for 1-D/2-D convolutions; gradients through max pooling.",
    draw=_draw,
    build=_build,
    points={"easy": 6, "medium": 32, "hard": 48},
    topics=QUESTION_TYPES,
)
