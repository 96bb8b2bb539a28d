"""Paper exercise: batch normalization by hand (training mode, biased batch variance).

A mini-batch of a few numbers per channel: the batch mean, the batch variance, and the
normalized, scaled and shifted outputs. Answers come from the engine's ``batch_norm`` (with
``eps = 0`` as the statement says) and torch's batch statistics.
"""

from __future__ import annotations

import random

from grader.paper import formulas
from grader.paper.engine import as_rows, as_vector, batch_stats, run
from grader.paper.model import Body, Grid, Part, PaperExercise, Step, fmt_number

__all__ = ["EXERCISE", "TOLERANCE"]

#: Answers are asked to two decimals.
TOLERANCE = 0.01

# Four values a apart around the mean in any order: the standard deviation is exactly a.
_SIGNS = ((-1, -1, 1, 1), (-1, 1, -1, 1), (-1, 1, 1, -1), (1, -1, -1, 1), (1, -1, 1, -1), (1, 1, -1, -1))


def _channel(rng: random.Random, difficulty: str) -> list[int]:
    if difficulty == "easy":
        mean, a = rng.randint(1, 9), rng.randint(1, 3)
        return [mean + a * sign for sign in rng.choice(_SIGNS)]
    while True:
        values = [rng.randint(0, 9) for _ in range(4)]
        if len(set(values)) > 1:  # a constant channel has zero variance
            return values


def _draw(rng: random.Random, difficulty: str) -> dict:
    channels = 2 if difficulty == "hard" else 1
    cols = [_channel(rng, difficulty) for _ in range(channels)]
    return {"x": [[c[i] for c in cols] for i in range(4)],
            "gamma": [rng.choice((1, 2, 3)) if difficulty != "easy" else rng.choice((1, 2))
                      for _ in range(channels)],
            "beta": [rng.randint(-2, 2) if difficulty != "easy" else rng.randint(-1, 1)
                     for _ in range(channels)]}


def _build(p: dict) -> Body:
    x, gamma, beta = p["x"], p["gamma"], p["beta"]
    N, C = len(x), len(x[0])
    mean_t, var_t = batch_stats(x)
    # The engine needs eps > 0; 1e-12 changes nothing at two decimals (the statement's eps = 0).
    y = as_rows(run("batch_norm", x, gamma, beta, training=True, eps=1e-12).out)  # (N, C)
    mean, var = as_vector(mean_t), as_vector(var_t)
    one = C == 1
    statement = [
        f"A batch normalization layer in training mode (batch statistics, biased variance, "
        f"$\\epsilon = 0$) receives a mini-batch of ${N}$ examples with "
        f"{'one feature' if one else f'{C} features (columns)'}. Its scale is "
        f"$\\gamma = {_vec(gamma, one)}$ and its shift $\\beta = {_vec(beta, one)}$.",
        Grid.of("x", x),
    ]
    parts = (
        Part("a", "The batch mean $\\mu_B$" + ("" if one else " of each feature") + " (two decimals).",
             mean[0] if one else tuple(mean), tolerance=TOLERANCE),
        Part("b", "The batch variance $\\sigma_B^2$" + ("" if one else " of each feature") + " (two decimals).",
             var[0] if one else tuple(var), tolerance=TOLERANCE),
        Part("c", f"The ${N}$ outputs $y$" + ("" if one else " (same layout as $x$)") + " (two decimals).",
             tuple(r[0] for r in y) if one else y, tolerance=TOLERANCE),
    )
    steps = [Step("Batch mean:", formulas.bn_mean()),
             Step("Biased batch variance:", formulas.bn_var()),
             Step("Output:", formulas.bn_output())]
    for c in range(C):
        col = [row[c] for row in x]
        name = "" if one else f" (feature {c + 1})"
        steps.append(Step(f"Numbers{name}:", "\\mu_B = \\frac{" + " + ".join(map(str, col)) + f"}}{{{N}}} = "
                          f"{fmt_number(mean[c])},\\quad \\sigma_B^2 = \\frac{{"
                          + " + ".join(f"({v} - {fmt_number(mean[c])})^2" for v in col)
                          + f"}}{{{N}}} = {fmt_number(var[c])}"))
        steps.append(Step("", f"y_1 = {gamma[c]} \\cdot \\frac{{{col[0]} - {fmt_number(mean[c])}}}"
                              f"{{\\sqrt{{{fmt_number(var[c])}}}}} + ({beta[c]}) = {fmt_number(y[0][c])}"))
    steps.append(Step("All outputs:", grid=Grid.of("y", y)))
    return Body(tuple(statement), parts, tuple(steps))


def _vec(v, one: bool) -> str:
    return str(v[0]) if one else "(" + ", ".join(map(str, v)) + ")"


EXERCISE = PaperExercise(
    name="batchnorm-by-hand",
    title="Batch normalization by hand",
    summary="Batch mean, biased variance and normalized outputs of a small mini-batch.",
    draw=_draw,
    build=_build,
    points={"easy": 12, "medium": 12, "hard": 24},
)
