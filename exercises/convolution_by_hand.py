"""Paper exercise: a 2-D convolution by hand (small integers, padding, stride, channels;
cross-correlation as deep-learning layers compute it vs the true, flipped-kernel convolution).

Answers come from the engine's ``conv2d`` (a true convolution is ``conv2d`` with the kernel
flipped in both axes, which is what the definition says).
"""

from __future__ import annotations

import random

from grader.paper import formulas
from grader.paper.engine import as_rows, conv_output_size, run
from grader.paper.model import Body, Grid, Part, PaperExercise, Step, fmt_number

__all__ = ["EXERCISE", "MODES"]

MODES = ("cross-correlation", "convolution", "both")


def _draw(rng: random.Random, difficulty: str) -> dict:
    while True:
        if difficulty == "easy":
            C, n, k, s, p, mode = 1, rng.choice((3, 4)), 2, 1, 0, "cross-correlation"
            bias, lo = 0, 0
        elif difficulty == "medium":
            C, n, k = 1, rng.choice((4, 5)), rng.choice((2, 3))
            s, p = rng.choice((1, 1, 2)), rng.choice((0, 0, 1))
            mode, bias, lo = rng.choice(MODES[:2]), rng.randint(-2, 2), -1
        else:
            C, n, k = 2, rng.choice((3, 4, 5)), rng.choice((2, 3))
            s, p = rng.choice((1, 2)), rng.choice((0, 1))
            mode, bias, lo = "both", rng.randint(-2, 2), -1
        if k > n + 2 * p or (n + 2 * p - k) % s:
            continue  # the kernel must fit and tile the padded input exactly
        if not 2 <= conv_output_size(n, k, stride=s, padding=p) <= 4:
            continue  # enough to compute by hand, not a chore
        break
    x = [[[rng.randint(0, 3) for _ in range(n)] for _ in range(n)] for _ in range(C)]
    w = [[[rng.randint(lo, 2) for _ in range(k)] for _ in range(k)] for _ in range(C)]
    return {"input": x, "kernel": w, "bias": bias, "stride": s, "padding": p, "mode": mode}


def _flip(w):
    return [[row[::-1] for row in ch[::-1]] for ch in w]


def _conv(x, w, bias, s, p):
    return as_rows(run("conv2d", [x], [w], [bias], stride=s, padding=p))


def _term(x, w, i, j, s, p):
    """The sum for output (i, j) spelled out, ``w * x + ...`` over channels and the window,
    at most six products per line (so the key fits a printed page)."""
    C, k, n = len(w), len(w[0]), len(x[0])
    terms = []
    for c in range(C):
        for a in range(k):
            for b in range(len(w[0][0])):
                r, q = s * i + a - p, s * j + b - p
                v = x[c][r][q] if 0 <= r < n and 0 <= q < n else 0
                wv = fmt_number(w[c][a][b])
                terms.append(f"{wv if w[c][a][b] >= 0 else f'({wv})'} \\cdot {v}")
    lines = [" + ".join(terms[t:t + 6]) for t in range(0, len(terms), 6)]
    return " \\\\ + ".join(lines)


def _build(p: dict) -> Body:
    x, w, bias, s, pad, mode = (p[k] for k in ("input", "kernel", "bias", "stride", "padding", "mode"))
    C, n, k = len(x), len(x[0]), len(w[0])
    out = conv_output_size(n, k, stride=s, padding=pad)
    statement = [
        f"A convolutional layer has {'one input channel' if C == 1 else f'{C} input channels'}, "
        f"one ${k} \\times {k}$ filter $W$ and bias $b = {bias}$, stride ${s}$ and zero padding "
        f"${pad}$. Input $X$ and filter:"]
    for c in range(C):
        suffix = f"_{{{c + 1}}}" if C > 1 else ""
        statement += [Grid.of("X" + suffix, x[c]), Grid.of("W" + suffix, w[c])]
    parts, steps = [], [Step(f"The output is ${out} \\times {out}$ "
                             f"($\\lfloor ({n} + 2 \\cdot {pad} - {k}) / {s} \\rfloor + 1 = {out}$).")]
    if C > 1:
        steps.append(Step("Each output value sums over every input channel, then adds the bias."))
    wanted = ["cross-correlation", "convolution"] if mode == "both" else [mode]
    for key, m in zip("ab", wanted):
        kernel = w if m == "cross-correlation" else _flip(w)
        Y = _conv(x, kernel, bias, s, pad)
        if m == "cross-correlation":
            parts.append(Part(key, "The output $Y = X \\star W + b$ of the layer as deep-learning "
                                   "libraries compute it (cross-correlation: the kernel is not flipped).", Y))
            steps.append(Step("Cross-correlation slides the filter as it is:", formulas.cross_correlation()))
        else:
            parts.append(Part(key, "The output $Y = X * W + b$ of the true (mathematical) "
                                   "convolution: the kernel flipped in both axes.", Y))
            steps.append(Step("True convolution flips the kernel, then slides it:",
                              formulas.true_convolution()))
            for c in range(C):
                steps.append(Step("", grid=Grid.of("\\tilde{W}" + (f"_{{{c + 1}}}" if C > 1 else ""),
                                                   kernel[c])))
        plus_b = f" + ({bias})" if bias else ""
        steps.append(Step("First output value" + (" (the padding contributes zeros)" if pad else "") + ":",
                          f"Y_{{0,0}} = {_term(x, kernel, 0, 0, s, pad)}{plus_b} = {fmt_number(Y[0][0])}"))
        if out > 1:
            steps.append(Step("Next along the row:",
                              f"Y_{{0,1}} = {_term(x, kernel, 0, 1, s, pad)}{plus_b} = {fmt_number(Y[0][1])}"))
        steps.append(Step("All outputs:", grid=Grid.of("Y", Y)))
    return Body(tuple(statement), tuple(parts), tuple(steps))


EXERCISE = PaperExercise(
    name="convolution-by-hand",
    title="Convolution by hand",
    summary="Small integer 2-D convolution with padding, stride, channels; cross-correlation vs true convolution.",
    draw=_draw,
    build=_build,
    points={"easy": 12, "medium": 16, "hard": 32},
    topics=MODES,
)
