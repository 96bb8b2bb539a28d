"""Paper exercise: max, average and global pooling of a small integer grid, by hand.

Window pooling with a kernel and a stride (overlapping windows when the stride is smaller
than the kernel), or global pooling. Answers come from the engine's ``max_pool2d``,
``avg_pool2d``, ``global_max_pool2d`` and ``global_avg_pool2d``.
"""

from __future__ import annotations

import random

from grader.paper import formulas
from grader.paper.engine import as_number, as_rows, conv_output_size, run
from grader.paper.model import Body, Grid, Part, PaperExercise, Step, fmt_number

__all__ = ["EXERCISE", "QUESTION_TYPES", "AVERAGE_TOLERANCE"]

QUESTION_TYPES = ("window", "global")
#: Averages are asked to two decimals.
AVERAGE_TOLERANCE = 0.01

_OP_NAMES = {"max": "max pooling", "avg": "average pooling"}


def _draw(rng: random.Random, difficulty: str) -> dict:
    qtype = "global" if difficulty != "easy" and rng.random() < 0.2 else "window"
    if difficulty == "easy":
        n, kernel, stride = 4, 2, 2
    else:
        while True:
            n = rng.choice((4, 5, 6) if difficulty == "medium" else (5, 6, 7))
            kernel = rng.choice((2, 3))
            stride = rng.randint(1, kernel)
            # Integer output sizes only: every window fits exactly.
            if (n - kernel) % stride == 0 and conv_output_size(n, kernel, stride=stride) <= 4:
                break
    grid = [[rng.randint(0, 9) for _ in range(n)] for _ in range(n)]
    if qtype == "global":
        return {"type": "global", "grid": grid}
    ops = [rng.choice(("max", "avg"))] if difficulty == "easy" else (
        rng.choice((["max"], ["avg"], ["max", "avg"])) if difficulty == "medium" else ["max", "avg"])
    return {"type": "window", "grid": grid, "kernel": kernel, "stride": stride, "ops": ops}


def _nchw(grid) -> list:
    return [[grid]]


def _build(p: dict) -> Body:
    grid = p["grid"]
    n = len(grid)
    X = Grid.of("X", grid)
    if p["type"] == "global":
        gmax = as_number(run("global_max_pool2d", _nchw(grid)))
        gavg = as_number(run("global_avg_pool2d", _nchw(grid)))
        total = sum(sum(r) for r in grid)
        statement = (f"The ${n} \\times {n}$ feature map $X$ below is pooled globally "
                     f"(one value for the whole map).", X)
        parts = (Part("a", "Global max pooling of $X$.", gmax),
                 Part("b", "Global average pooling of $X$ (two decimals).", gavg,
                      tolerance=AVERAGE_TOLERANCE))
        steps = (Step(f"Global max pooling keeps the largest value: ${fmt_number(gmax)}$."),
                 Step("Global average pooling averages all values:",
                      f"\\frac{{{total}}}{{{n} \\cdot {n}}} = {fmt_number(gavg)}"))
        return Body(statement, parts, steps)

    k, s, ops = p["kernel"], p["stride"], p["ops"]
    out = conv_output_size(n, k, stride=s)
    overlap = " The windows overlap." if s < k else ""
    statement = (f"Apply {' and '.join(_OP_NAMES[o] for o in ops)} with a ${k} \\times {k}$ "
                 f"window and stride ${s}$ (no padding) to the ${n} \\times {n}$ feature map $X$."
                 f"{overlap}", X)
    parts, steps = [], [Step(f"The output is ${out} \\times {out}$:", formulas.pool_output()
                             + f",\\quad \\left\\lfloor \\frac{{{n} - {k}}}{{{s}}} \\right\\rfloor + 1 = {out}")]
    first = [grid[r][c] for r in range(k) for c in range(k)]  # the top-left window
    for key, op in zip("ab", ops):
        if op == "max":
            Y = as_rows(run("max_pool2d", _nchw(grid), kernel_size=k, stride=s))
            parts.append(Part(key, f"The ${out} \\times {out}$ output of max pooling.", Y))
            steps.append(Step(f"Max pooling keeps the largest value of each window; the first "
                              f"window $\\{{{', '.join(map(str, first))}\\}}$ gives "
                              f"${fmt_number(Y[0][0])}$.", grid=Grid.of("Y_{max}", Y)))
        else:
            Y = as_rows(run("avg_pool2d", _nchw(grid), kernel_size=k, stride=s))
            parts.append(Part(key, f"The ${out} \\times {out}$ output of average pooling "
                                   f"(two decimals).", Y, tolerance=AVERAGE_TOLERANCE))
            steps.append(Step("Average pooling averages each window:", formulas.avg_pool_value()))
            steps.append(Step("First window:",
                              f"\\frac{{{' + '.join(map(str, first))}}}{{{k * k}}} = {fmt_number(Y[0][0])}",
                              grid=Grid.of("Y_{avg}", Y)))
    return Body(statement, tuple(parts), tuple(steps))


EXERCISE = PaperExercise(
    name="pooling-by-hand",
    title="Pooling by hand",
    summary="Max, average and global pooling of a small integer grid; stride and overlapping windows.",
    draw=_draw,
    build=_build,
    points={"easy": 4, "medium": 32, "hard": 32},
    topics=QUESTION_TYPES,
)
