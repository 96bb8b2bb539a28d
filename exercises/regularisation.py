"""Paper exercise: the regularisation numbers of the notes.

Three question types: gradient-descent steps with weight decay, ``w <- (1 - eta lambda) w -
eta dL/dw`` (the bias not decayed, as the notes say is standard); dropout with the notes'
convention (``p`` is the probability of *keeping* a unit; at test time every unit is
scaled by ``p``) next to the inverted form (survivors scaled by ``1/p`` in training); and
batch norm at inference, with the running statistics. Answers come from the engine's
``dropout``, ``linear`` and ``batch_norm`` and from ``torch.optim.SGD``'s weight decay.
"""

from __future__ import annotations

import random

from grader.paper import formulas
from grader.paper.engine import as_number, as_rows, as_vector, run
from grader.paper.model import Body, Grid, Part, PaperExercise, Step, fmt_number

__all__ = ["EXERCISE", "QUESTION_TYPES", "TOLERANCE"]

QUESTION_TYPES = ("weight-decay", "dropout", "batchnorm-inference")

#: Answers are asked to three decimals.
TOLERANCE = 0.001


def _multiple(rng: random.Random, low: float, high: float, *, step: float = 0.5, least: float = 0.0) -> float:
    """A multiple of ``step`` in [low, high], at least ``least`` in absolute value."""
    choices = [k * step for k in range(round(low / step), round(high / step) + 1) if abs(k * step) >= least]
    return rng.choice(choices)


# --- the numbers of one variant ----------------------------------------------------------


def _draw(rng: random.Random, difficulty: str) -> dict:
    qtype = rng.choice(QUESTION_TYPES)
    return {"type": qtype, **_DRAWS[qtype](rng, difficulty)}


def _draw_weight_decay(rng: random.Random, difficulty: str) -> dict:
    if difficulty == "easy":
        n, steps = 2, 1
        lr, wd = 0.1, rng.choice((0.5, 1.0, 2.0))
        weight, grad = (lambda: float(rng.choice((-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)))), \
            (lambda: float(rng.randint(-3, 3)))
    else:
        n, steps = 3, 2
        # eta * lambda >= 0.005 and |w| >= 1: the decay moves every weight by more than the tolerance.
        lr = rng.choice((0.05, 0.1, 0.2) if difficulty == "medium" else (0.1, 0.2, 0.5))
        wd = rng.choice((0.1, 0.2, 0.5) if difficulty == "medium" else (0.05, 0.1, 0.2))
        weight, grad = (lambda: _multiple(rng, -4, 4, least=1)), (lambda: _multiple(rng, -2, 2))
    p = {"lr": lr, "weight_decay": wd, "weights": [weight() for _ in range(n)],
         "grads": [[grad() for _ in range(n)] for _ in range(steps)]}
    if difficulty == "hard":  # a bias, which the notes do not decay
        p["bias"] = _multiple(rng, -2, 2)
        p["bias_grads"] = [_multiple(rng, -2, 2) for _ in range(steps)]
    return p


def _draw_dropout(rng: random.Random, difficulty: str) -> dict:
    if difficulty == "easy":
        keep = 0.5
        h = [float(rng.randint(1, 9)) for _ in range(4)]
    elif difficulty == "medium":
        keep = rng.choice((0.5, 0.75, 0.8))
        h = [_multiple(rng, 0.5, 6) for _ in range(5)]
    else:
        keep = rng.choice((0.6, 0.7, 0.75, 0.8, 0.9))
        h = [_multiple(rng, 0, 5, step=0.25) for _ in range(6)]
    seed = rng.randrange(2**31)
    while len(set(_mask(len(h), keep, seed))) < 2:  # show a unit kept and a unit dropped
        seed += 1
    p = {"h": h, "keep": keep, "mask_seed": seed}
    if difficulty == "hard":  # the next layer's unit z = v . h + c
        p["v"] = [float(rng.choice((-3, -2, -1, 1, 2, 3))) for _ in h]
        p["c"] = float(rng.randint(-2, 2))
    return p


def _draw_batchnorm(rng: random.Random, difficulty: str) -> dict:
    if difficulty == "easy":
        # sigma^2 + eps a perfect square: a hand-friendly standard deviation.
        sd = rng.choice((1, 2, 3, 4))
        return {"x": [[float(rng.randint(-5, 5))] for _ in range(3)], "mean": [float(rng.randint(-3, 3))],
                "var": [round(sd * sd - 0.01, 2)], "eps": 0.01, "gamma": [float(rng.choice((1, 2, 3)))],
                "beta": [float(rng.randint(-1, 1))]}
    C = 1 if difficulty == "medium" else 2
    return {"x": [[_multiple(rng, -4, 4) for _ in range(C)] for _ in range(4)],
            "mean": [_multiple(rng, -2, 2) for _ in range(C)],
            "var": [rng.choice((0.25, 0.5, 1.0, 1.5, 2.0, 2.25, 3.0, 4.0, 6.25)) for _ in range(C)],
            "eps": 1e-5 if difficulty == "medium" else rng.choice((1e-5, 1e-3)),
            "gamma": [_multiple(rng, 0.5, 2) for _ in range(C)],
            "beta": [_multiple(rng, -1, 1) for _ in range(C)]}


_DRAWS = {"weight-decay": _draw_weight_decay, "dropout": _draw_dropout, "batchnorm-inference": _draw_batchnorm}


# --- the engine ---------------------------------------------------------------------------


def _mask(n: int, keep: float, seed: int) -> tuple[float, ...]:
    """The engine's seeded dropout mask of ``n`` units (1 kept, 0 dropped)."""
    _, mask = run("dropout", [1.0] * n, p=_drop_rate(keep), seed=seed)
    return as_vector(mask)


def _drop_rate(keep: float) -> float:
    # The engine (like torch's nn.Dropout) takes the probability of dropping.
    return round(1.0 - keep, 12)


def _sgd(weights, grads, *, lr: float, weight_decay: float, bias=None, bias_grads=()) -> list[tuple]:
    """(weights, bias) after each step of torch's SGD with ``weight_decay`` on the weights and
    none on the bias (two parameter groups, the usual way to exempt biases).

    The step is ``torch.optim.sgd.sgd``, the function ``torch.optim.SGD.step`` calls: the
    optimizer class would import ``torch._dynamo`` on construction (0.8 s, half of a
    ``new exercise regularisation``) for the same arithmetic; a test checks both agree."""
    import torch
    from torch.optim.sgd import sgd

    from grader.reference.device import single_threaded

    def step(param, grad, decay):
        sgd([param], [torch.tensor(grad, dtype=torch.float64)], [None], foreach=False, lr=lr,
            weight_decay=decay, momentum=0.0, dampening=0.0, nesterov=False, maximize=False)

    with single_threaded(), torch.no_grad():
        w = torch.tensor(weights, dtype=torch.float64)
        b = None if bias is None else torch.tensor([bias], dtype=torch.float64)
        history = []
        for t, g in enumerate(grads):
            step(w, g, weight_decay)
            if b is not None:
                step(b, [bias_grads[t]], 0.0)
            history.append((as_vector(w), None if b is None else as_number(b)))
    return history


# --- the question types --------------------------------------------------------------------


def _build(p: dict) -> Body:
    return {"weight-decay": _build_weight_decay, "dropout": _build_dropout,
            "batchnorm-inference": _build_batchnorm}[p["type"]](p)


def _parts(*parts: Part) -> tuple[Part, ...]:
    # One share of the points per number asked, every number to three decimals.
    return tuple(Part(q.key, q.prompt, q.answer, tolerance=TOLERANCE, weight=len(q.cells())) for q in parts)


def _vec(values) -> str:
    return "(" + ", ".join(fmt_number(v) for v in values) + ")"


def _build_weight_decay(p: dict) -> Body:
    lr, wd, w0, grads = p["lr"], p["weight_decay"], p["weights"], p["grads"]
    bias, bias_grads = p.get("bias"), p.get("bias_grads", ())
    steps_n = len(grads)
    history = _sgd(w0, grads, lr=lr, weight_decay=wd, bias=bias, bias_grads=bias_grads)
    # The decay factor is what one step does to a weight of 1 when the data gradient is 0.
    factor = _sgd([1.0], [[0.0]], lr=lr, weight_decay=wd)[0][0][0]
    n = len(w0)
    step_words = "one step" if steps_n == 1 else f"{steps_n} steps"
    statement = [
        f"A layer's weights $w_0 = {_vec(w0)}$"
        + (f" and bias $b_0 = {fmt_number(bias)}$" if bias is not None else "")
        + f" are trained for {step_words} of gradient descent with learning rate $\\eta = {fmt_number(lr)}$ "
        f"and weight decay $\\lambda = {fmt_number(wd)}$, the notes' $L_2$ penalty "
        f"$\\frac{{\\lambda}}{{2}} \\lVert W \\rVert_F^2$ added to the data loss $\\mathcal{{L}}$"
        + (" (on the weights only: as is standard, the bias is not regularised)." if bias is not None else ".")
        + " The gradients of the data loss, one row per step:",
        Grid.of("\\partial \\mathcal{L} / \\partial w", grads),
    ]
    if bias is not None:
        statement.append("The data loss's gradients for the bias are "
                         + ", ".join(f"${fmt_number(g)}$" for g in bias_grads) + " at the two steps.")
    parts = [Part("a", "The factor $1 - \\eta \\lambda$ that multiplies each weight at every step.", factor),
             Part("b", f"The weights $w_1$ after the first step ({n} numbers, three decimals).",
                  history[0][0])]
    if steps_n > 1:
        parts.append(Part("c", f"The weights $w_2$ after the second step ({n} numbers, three decimals).",
                          history[1][0]))
    if bias is not None:
        parts.append(Part("d", "The bias $b_2$ after the second step (three decimals).", history[-1][1]))
    solution = [Step("The penalty $\\frac{\\lambda}{2} \\lVert W \\rVert_F^2$ adds $\\lambda w$ to the gradient, "
                     "so each step also subtracts $\\eta \\lambda w$: the weights shrink by a constant factor:",
                     formulas.weight_decay_step()),
                Step("The factor:", f"1 - {fmt_number(lr)} \\cdot {fmt_number(wd)} = {fmt_number(factor)}")]
    before = list(w0)
    for t, (g, (after, _)) in enumerate(zip(grads, history), 1):
        solution += [Step(f"Step {t}:" if i == 0 else "",
                          f"{fmt_number(factor)} \\cdot ({fmt_number(w)}) - {fmt_number(lr)} \\cdot "
                          f"({fmt_number(gi)}) = {fmt_number(a)}")
                     for i, (w, gi, a) in enumerate(zip(before, g, after))]
        before = after
    if bias is not None:
        b_sum = " - ".join(f"{fmt_number(lr)} \\cdot ({fmt_number(g)})" for g in bias_grads)
        solution.append(Step("The bias is not decayed: $b_{t+1} = b_t - \\eta \\, \\partial \\mathcal{L} / \\partial b$:",
                             f"b_2 = {fmt_number(bias)} - {b_sum} = {fmt_number(history[-1][1])}"))
    return Body(tuple(statement), _parts(*parts), tuple(solution))


def _build_dropout(p: dict) -> Body:
    h, keep, seed = p["h"], p["keep"], p["mask_seed"]
    n = len(h)
    inverted_t, mask_t = run("dropout", h, p=_drop_rate(keep), seed=seed)
    mask, inverted = as_vector(mask_t), as_vector(inverted_t)
    # The notes' form differs from the inverted one by the factor p, in training and at test.
    notes_train = as_vector(inverted_t * keep)
    notes_test = as_vector(run("dropout", h, p=_drop_rate(keep), seed=seed, training=False)[0] * keep)
    statement = [
        f"A layer's {n} units output the activations $h$ below. Dropout follows the notes' "
        f"convention: $p = {fmt_number(keep)}$ is the probability of keeping (retaining) each "
        f"unit at a training step (PyTorch's nn.Dropout(p) takes the probability of dropping "
        f"instead). In one training step the random mask $m$ keeps the units marked 1.",
        Grid.of("h", [h]),
        Grid.of("m", [mask]),
    ]
    parts = [
        Part("a", f"The layer's outputs in this training step, in the notes' form (kept units pass "
                  f"unchanged, the test time rescales) ({n} numbers).", notes_train),
        Part("b", f"The layer's outputs at test time in the notes' form ({n} numbers).", notes_test),
        Part("c", f"The outputs in this training step with inverted dropout (the rescaling moved to "
                  f"training time, as PyTorch does it) ({n} numbers, three decimals).", inverted),
    ]
    solution = [
        Step("The notes' form: drop in training, scale by the keep probability at test, so that "
             "each unit's test output equals its expected training output:", formulas.dropout_notes()),
        Step("In training:", f"\\tilde{{h}} = {_vec(notes_train)}"),
        Step("At test time:", f"{fmt_number(keep)} \\cdot h = {_vec(notes_test)}"),
        Step("Inverted dropout divides the kept units by $p$ in training instead, and leaves the "
             "test time alone:", formulas.dropout_inverted()),
        Step("In training:", f"\\tilde{{h}} = \\frac{{m \\odot h}}{{{fmt_number(keep)}}} = {_vec(inverted)}"),
    ]
    if "v" in p:
        v, c = p["v"], p["c"]
        z_test = as_number(run("linear", [notes_test], [v], [c]))
        z_train = as_number(run("linear", [inverted], [v], [c]))
        statement.append(f"The next layer computes $z = v \\cdot h + c$ from these outputs, with "
                         f"$v = {_vec(v)}$ and $c = {fmt_number(c)}$.")
        parts += [Part("d", "$z$ at test time in the notes' form (three decimals).", z_test),
                  Part("e", "$z$ in this training step with inverted dropout (three decimals).", z_train)]
        solution += [Step("The next layer at test time (the notes' form):",
                          f"z = {_dot(v, notes_test)} + ({fmt_number(c)}) = {fmt_number(z_test)}"),
                     Step("and in this training step (inverted):",
                          f"z = {_dot(v, inverted)} + ({fmt_number(c)}) = {fmt_number(z_train)}")]
    return Body(tuple(statement), _parts(*parts), tuple(solution))


def _dot(v, h) -> str:
    return " + ".join(f"({fmt_number(a)})({fmt_number(b)})" for a, b in zip(v, h))


def _build_batchnorm(p: dict) -> Body:
    x, mean, var, eps, gamma, beta = (p[k] for k in ("x", "mean", "var", "eps", "gamma", "beta"))
    N, C = len(x), len(x[0])
    stats = {"running_mean": mean, "running_var": var, "training": False, "eps": eps}
    y = as_rows(run("batch_norm", x, gamma, beta, **stats).out)
    # At inference the layer is one affine map per feature: y(0) is its shift, y(1) - y(0) its scale.
    at_0, at_1 = as_rows(run("batch_norm", [[0.0] * C, [1.0] * C], gamma, beta, **stats).out)
    shift = tuple(round(c, 10) for c in at_0)
    scale = tuple(round(b - c, 10) for b, c in zip(at_1, at_0))
    one = C == 1
    per = "" if one else " of each feature"
    statement = (
        f"A batch normalization layer is used at inference (evaluation mode) on "
        f"{'one feature' if one else f'{C} features (columns)'}. During training it kept running "
        f"estimates of its input's mean $\\hat{{\\mu}} = {_vec(mean) if not one else fmt_number(mean[0])}$ "
        f"and variance $\\hat{{\\sigma}}^2 = {_vec(var) if not one else fmt_number(var[0])}$; its scale is "
        f"$\\gamma = {_vec(gamma) if not one else fmt_number(gamma[0])}$, its shift "
        f"$\\beta = {_vec(beta) if not one else fmt_number(beta[0])}$ and $\\epsilon = {fmt_number(eps, digits=6)}$. "
        f"It receives these ${N}$ examples:",
        Grid.of("x", x),
    )
    parts = _parts(
        Part("a", f"The scale $a = \\gamma / \\sqrt{{\\hat{{\\sigma}}^2 + \\epsilon}}$ of the equivalent "
                  f"map $y = a x + c${per} (three decimals).", scale[0] if one else scale),
        Part("b", f"Its shift $c = \\beta - a \\hat{{\\mu}}${per} (three decimals).", shift[0] if one else shift),
        Part("c", f"The ${N}$ outputs $y$" + ("" if one else " (same layout as $x$)") + " (three decimals).",
             tuple(r[0] for r in y) if one else y),
    )
    solution = [Step("At inference batch norm uses the running statistics, not the batch's (the "
                     "output of an example must not depend on the others):", formulas.bn_inference()),
                Step("So each feature goes through one fixed affine map:", formulas.bn_folded())]
    for j in range(C):
        name = "" if one else f" (feature {j + 1})"
        solution.append(Step(f"Numbers{name}:",
                             f"a = \\frac{{{fmt_number(gamma[j])}}}{{\\sqrt{{{fmt_number(var[j])} + {fmt_number(eps, digits=6)}}}}}"
                             f" = {fmt_number(scale[j])},\\quad c = {fmt_number(beta[j])} - {fmt_number(scale[j])}"
                             f" \\cdot ({fmt_number(mean[j])}) = {fmt_number(shift[j])}"))
        solution.append(Step("", f"y_1 = {fmt_number(scale[j])} \\cdot ({fmt_number(x[0][j])}) + "
                                 f"({fmt_number(shift[j])}) = {fmt_number(y[0][j])}"))
    solution.append(Step("All outputs:", grid=Grid.of("y", y)))
    return Body(statement, parts, tuple(solution))


EXERCISE = PaperExercise(
    name="regularisation",
    title="Regularisation by the numbers",
    summary="Weight-decay steps, dropout (keep probability p, test-time scaling vs inverted), batch norm at inference.",
    draw=_draw,
    build=_build,
    # Every number asked is worth one point of the variant that asks the most (dropout).
    points={"easy": 12, "medium": 15, "hard": 20},
    topics=QUESTION_TYPES,
)
