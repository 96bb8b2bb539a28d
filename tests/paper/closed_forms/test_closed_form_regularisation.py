"""Closed-form check of the regularisation paper exercise (see closed_form_support).

Weight decay in exact rationals (``w <- (1 - eta lambda) w - eta g``, the bias undecayed),
dropout from the mask rule of the engine's documented contract redrawn with numpy (the
notes' keep-probability form and the inverted one), batch norm at inference with numpy.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from closed_form_support import answers, variants
from exercises.regularisation import TOLERANCE
from grader.paper.model import Grid

SEEDS = 2000


def _q(x: float) -> Fraction:
    return Fraction(str(x))  # the decimal the statement shows, exactly


def _close(got, expected, tol=1e-9) -> bool:
    return np.allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), rtol=0, atol=tol)


def _check_weight_decay(p, a):
    lr, wd = _q(p["lr"]), _q(p["weight_decay"])
    factor = 1 - lr * wd
    assert _close(a["a"], float(factor))
    w = [_q(x) for x in p["weights"]]
    undecayed = [float(wi - lr * _q(gi)) for wi, gi in zip(w, p["grads"][0])]
    assert np.all(np.abs(np.subtract(a["b"], undecayed)) > 2 * TOLERANCE)  # forgetting the decay costs points
    for key, g in zip("bc", p["grads"]):
        w = [factor * wi - lr * _q(gi) for wi, gi in zip(w, g)]
        assert _close(a[key], [float(x) for x in w])
    if "bias" in p:  # the bias is not decayed
        assert _close(a["d"], float(_q(p["bias"]) - lr * sum(_q(g) for g in p["bias_grads"])))


def _check_dropout(v, p, a):
    h, keep = np.array(p["h"]), p["keep"]
    # The engine's contract: unit i kept where default_rng(seed).random(n)[i] >= drop rate.
    mask = (np.random.default_rng(p["mask_seed"]).random(len(h)) >= 1 - keep).astype(float)
    shown = {b.label: b.rows[0] for b in v.statement if isinstance(b, Grid)}
    assert shown["m"] == tuple(mask) and shown["h"] == tuple(h)
    assert 0 < mask.sum() < len(h)  # a unit kept and a unit dropped
    assert any("probability of keeping" in b for b in v.statement if isinstance(b, str))
    train, test, inverted = mask * h, keep * h, mask * h / keep
    assert _close(a["a"], train) and _close(a["b"], test) and _close(a["c"], inverted)
    if "v" in p:
        w = np.array(p["v"])
        assert _close(a["d"], w @ test + p["c"]) and _close(a["e"], w @ inverted + p["c"])


def _check_batchnorm(v, p, a):
    x = np.array(p["x"])  # (N, C)
    gamma, beta, mean, var = (np.array(p[k]) for k in ("gamma", "beta", "mean", "var"))
    sd = np.sqrt(var + p["eps"])
    y = gamma * (x - mean) / sd + beta
    scale, shift = gamma / sd, beta - gamma * mean / sd
    one = x.shape[1] == 1
    assert _close(a["a"], scale[0] if one else scale)
    assert _close(a["b"], shift[0] if one else shift)
    assert _close(a["c"], y[:, 0] if one else y)
    if v.difficulty == "easy":  # hand-friendly: sqrt(var + eps) is a whole number
        assert sd[0] == round(sd[0])


def test_regularisation_matches_exact_updates_masks_and_running_statistics():
    seen = set()
    for v in variants("regularisation", SEEDS):
        p, a = v.params, answers(v)
        seen.add((v.difficulty, p["type"]))
        if p["type"] == "weight-decay":
            _check_weight_decay(p, a)
        elif p["type"] == "dropout":
            _check_dropout(v, p, a)
        else:
            _check_batchnorm(v, p, a)
    assert seen == {(d, t) for d in ("easy", "medium", "hard")
                    for t in ("weight-decay", "dropout", "batchnorm-inference")}


def test_weight_decay_steps_equal_torch_optim_sgd():
    """The generator steps with torch.optim.sgd.sgd (the class imports torch._dynamo): the
    same bits as torch.optim.SGD with a decayed weight group and an undecayed bias group."""
    import torch

    from exercises.regularisation import _sgd

    rng = np.random.default_rng(3)
    for _ in range(20):
        w0, b0 = rng.normal(size=4).round(2).tolist(), round(float(rng.normal()), 2)
        grads, bias_grads = rng.normal(size=(3, 4)).round(2).tolist(), rng.normal(size=3).round(2).tolist()
        lr, wd = float(rng.choice([0.1, 0.05, 0.5])), float(rng.choice([0.01, 0.1, 0.2]))
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        b = torch.tensor([b0], dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.SGD([{"params": [w], "weight_decay": wd},
                                     {"params": [b], "weight_decay": 0.0}], lr=lr)
        expected = []
        for g, bg in zip(grads, bias_grads):
            w.grad, b.grad = torch.tensor(g, dtype=torch.float64), torch.tensor([bg], dtype=torch.float64)
            optimizer.step()
            expected.append((tuple(w.tolist()), b.item()))
        got = _sgd(w0, grads, lr=lr, weight_decay=wd, bias=b0, bias_grads=bias_grads)
        # _sgd rounds to 10 digits for the statement, as as_vector does
        assert [(tuple(round(v, 10) for v in ws), round(bs, 10)) for ws, bs in expected] == \
            [(tuple(round(v, 10) for v in ws), round(bs, 10)) for ws, bs in got]
