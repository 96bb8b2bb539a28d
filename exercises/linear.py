"""linear: forward and backward pass of a fully connected layer in numpy."""

import numpy as np

from grader.checker import refs
from grader.checker.spec import Case, CodeExercise, Function, Misconception, PropertyGroup
from grader.checker.strategies import fixed_values, linear_cases

FWD, BWD = "linear_forward", "linear_backward"

STATEMENT = """\
# Fully connected layer, forward and backward

Write `linear_forward(x, w, b)` -> `x @ w.T + b` with `x` `(N, D)`, `w` `(M, D)`, `b` `(M,)`,
returning `(N, M)`; and `linear_backward(dout, x, w, b)` -> `(dx, dw, db)` shaped like `x`, `w`
and `b`, given the upstream gradient `dout` `(N, M)`. Gradients are sums over the batch.
Values range from tiny to about 1e6 (a correct float32 implementation passes).
"""


def _replace(index, change):
    def alternative(dout, x, w, b):
        grads = list(refs.linear_grads(dout, x, w, b))
        grads[index] = change(grads[index], dout, x, w)
        return tuple(grads)
    return alternative


MISCONCEPTIONS = (
    Misconception("forward_bias_missing", FWD, "your output leaves out the bias; add b to every row.",
                  lambda x, w, b: refs.linear(x, w, None)),
    Misconception("forward_weight_not_transposed", FWD, "your output uses x @ w; w has shape (M, D), "
                  "so the layer computes x @ w.T + b.", lambda x, w, b: x @ w + b),
    Misconception("dw_transposed", BWD, "your dw is transposed (x.T @ dout has shape (D, M)); "
                  "dw = dout.T @ x has the shape of w, (M, D).", _replace(1, lambda g, dout, x, w: x.T @ dout)),
    Misconception("dw_mean_over_batch", BWD, "your dw is averaged over the batch; gradients are sums.",
                  _replace(1, lambda g, dout, x, w: g / x.shape[0])),
    Misconception("db_mean_over_batch", BWD, "your db is averaged over the batch; db = dout.sum(axis=0).",
                  _replace(2, lambda g, dout, x, w: g / x.shape[0])),
    Misconception("db_first_row", BWD, "your db is the first row of dout; sum over the batch: "
                  "dout.sum(axis=0).", _replace(2, lambda g, dout, x, w: dout[0])),
)


def _fixed(seed, n, d, m, *, dout=False, bias=True, scales=(0, 0, 0)):
    """An explicit case; ``scales``: the exponents of x, w and dout (the bias at x times w)."""
    ex, ew, ed = scales
    b = fixed_values(seed + 2, (m,), scale=ex + ew) if bias else np.zeros(m)
    args = (fixed_values(seed, (n, d), scale=ex), fixed_values(seed + 1, (m, d), scale=ew), b)
    return Case(((fixed_values(seed + 3, (n, m), scale=ed),) if dout else ()) + args)


#: Everything at once: N, D and M from 4 to 6, values of wide magnitudes (up to 2**20).
_ALL = dict(batch=(4, 6), features_in=(4, 6), features_out=(4, 6), magnitude=10)


GROUPS = (
    PropertyGroup("forward_shape", 1, "Forward output shape (N, M).", FWD, linear_cases(), shape_only=True),
    PropertyGroup("forward_values", 4, "Forward: x @ w.T with zero bias.", FWD, linear_cases(bias=False),
                  examples=(_fixed(41, 3, 4, 2, bias=False),)),
    PropertyGroup("forward_bias", 2, "Forward: the bias is added to every row.", FWD, linear_cases(),
                  examples=(_fixed(42, 2, 3, 3),)),
    PropertyGroup("forward_all_at_once", 1, "Forward, everything at once: N, D and M from 4 to 6, values "
                  "of wide magnitudes.", FWD, linear_cases(**_ALL),
                  examples=(_fixed(47, 5, 4, 6, scales=(9, 6, 0)),)),
    PropertyGroup("backward_shapes", 1, "Backward: (dx, dw, db) shaped like x, w and b.", BWD,
                  linear_cases(dout=True), shape_only=True),
    PropertyGroup("dx", 3, "Backward: dx = dout @ w.", BWD, linear_cases(dout=True), outputs=("dx",),
                  examples=(_fixed(43, 3, 4, 2, dout=True),)),
    PropertyGroup("dw", 3, "Backward: dw = dout.T @ x (summed over the batch).", BWD, linear_cases(dout=True),
                  outputs=("dw",), examples=(_fixed(44, 3, 4, 2, dout=True),)),
    PropertyGroup("db", 2, "Backward: db = dout summed over the batch.", BWD, linear_cases(dout=True),
                  outputs=("db",), examples=(_fixed(45, 3, 2, 4, dout=True),)),
    PropertyGroup("backward_batch", 2, "Backward with a batch of several rows: all three gradients.", BWD,
                  linear_cases(batch=(2, 5), dout=True), examples=(_fixed(46, 5, 3, 2, dout=True),)),
    PropertyGroup("backward_all_at_once", 1, "Backward, everything at once (all three gradients): N, D "
                  "and M from 4 to 6, values of wide magnitudes.", BWD, linear_cases(dout=True, **_ALL),
                  examples=(_fixed(48, 6, 5, 4, dout=True, scales=(8, -3, 9)),)),
)

EXERCISE = CodeExercise(
    name="linear",
    title="Fully connected layer, forward and backward",
    summary="numpy linear_forward(x, w, b) = x @ w.T + b and linear_backward -> (dx, dw, db)",
    version="2",  # 2: all_at_once groups (N, D, M >= 4, wide magnitudes)
    statement=STATEMENT,
    functions=(
        Function(FWD, "x, w, b", "Fully connected forward: x (N, D), w (M, D), b (M,) -> x @ w.T + b, shape (N, M).\n"),
        Function(BWD, "dout, x, w, b", "Fully connected backward: dout (N, M) -> (dx, dw, db) shaped like x, w, b.\n",
                 returns=("dx", "dw", "db")),
    ),
    groups=GROUPS,
    references={FWD: refs.linear, BWD: refs.linear_grads},
    misconceptions=MISCONCEPTIONS,
)
