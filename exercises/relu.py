"""relu: forward and backward pass of the rectified linear unit in numpy."""

import numpy as np
from hypothesis import strategies as st

from grader.checker import refs
from grader.checker.spec import Case, CodeExercise, Function, Misconception, PropertyGroup
from grader.checker.strategies import array_cases, fixed_values

FWD, BWD = "relu_forward", "relu_backward"

STATEMENT = """\
# ReLU, forward and backward

Write `relu_forward(x)` -> `max(x, 0)` elementwise, and `relu_backward(dout, x)` -> `dx`, the
upstream gradient `dout` passed where `x > 0` and zero elsewhere. At exactly `x == 0` the
gradient is 0 (PyTorch's convention). Inputs may have any shape, any magnitude (from about 1e-15 to
1e6): "x > 0" means greater than zero, however little.
"""


def _no_zeros(case: Case) -> Case:
    """Moves exact zeros of x away from 0 (the kink has its own group)."""
    *rest, x = case.args
    return Case((*rest, np.where(x == 0, 0.125, x)))


MISCONCEPTIONS = (
    Misconception("backward_mask_from_dout", BWD, "your dx keeps dout where dout > 0; the mask "
                  "comes from the forward input: dout where x > 0.",
                  lambda dout, x: dout * (dout > 0)),
    Misconception("backward_returns_mask", BWD, "your dx is the mask (x > 0) alone; multiply it by "
                  "the upstream gradient dout.", lambda dout, x: (x > 0).astype(float)),
    Misconception("backward_gradient_at_zero", BWD, "your dx passes the gradient where x == 0; at the "
                  "kink the gradient is 0 (use x > 0, not x >= 0).", lambda dout, x: dout * (x >= 0)),
    Misconception("forward_negative_part", FWD, "your output keeps the negative values; relu keeps "
                  "max(x, 0).", lambda x: np.minimum(x, 0)),
)


def _cases(count, **simple):
    """Small arrays of any shape (the simplest; ``tiny`` mixes in tiny values, from 5e-7 down
    to 4e-15, where a mistake with them shrinks to one element), or 4-D arrays with every side
    > 1 and values of wide magnitudes (up to 2**20)."""
    return st.one_of(array_cases(count=count, **simple),
                     array_cases(ndim=(4, 4), side=(2, 5), count=count, magnitude=20))


def _fixed_tiny(seed, shape):
    """An explicit backward case whose x holds tiny values next to grid ones (no zeros)."""
    return _no_zeros(Case((fixed_values(seed, shape, scale=3), fixed_values(seed + 1, shape, tiny=True))))


GROUPS = (
    PropertyGroup("forward", 4, "Forward: max(x, 0) elementwise, any shape and magnitude.", FWD,
                  _cases(1, ndim=(1, 4)), examples=(Case((fixed_values(31, (2, 3, 4, 4)),)),)),
    PropertyGroup("backward", 4, "Backward: dout where x > 0 (also where x is tiny), zero where x < 0, "
                  "any shape and magnitude.", BWD,
                  _cases(2, ndim=(1, 4), tiny=True).map(_no_zeros),
                  examples=(_no_zeros(Case((fixed_values(32, (2, 3, 4)), fixed_values(33, (2, 3, 4))))),
                            _fixed_tiny(34, (2, 3, 2, 4)))),
    PropertyGroup("backward_at_zero", 2, "Backward at x == 0: the gradient is 0.", BWD,
                  array_cases(ndim=(1, 3), count=2).map(lambda c: Case((c.args[0], np.where(c.args[1] > 0, 0.0, c.args[1])))),
                  examples=(Case((np.ones((2, 3)), np.array([[0.0, 1.0, -1.0], [0.5, 0.0, -0.25]]))),)),
)

EXERCISE = CodeExercise(
    name="relu",
    title="ReLU, forward and backward",
    summary="numpy relu_forward(x) and relu_backward(dout, x)",
    version="2",  # 2: wide magnitudes, tiny values, 4-D arrays with every side > 1
    statement=STATEMENT,
    functions=(
        Function(FWD, "x", "ReLU forward: returns max(x, 0) elementwise (same shape as x).\n"),
        Function(BWD, "dout, x", "ReLU backward: returns dx = dout where x > 0, else 0 (also at x == 0).\n"),
    ),
    groups=GROUPS,
    references={FWD: refs.relu, BWD: refs.relu_grad},
    misconceptions=MISCONCEPTIONS,
)
