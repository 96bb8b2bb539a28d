"""maxpool2d: forward and backward pass of 2-D max pooling in numpy."""

import numpy as np

from grader.checker import refs
from grader.checker.spec import CodeExercise, Function, Misconception, PropertyGroup
from grader.checker.strategies import fixed_pool_case, pool_cases

FWD, BWD = "maxpool2d_forward", "maxpool2d_backward"

STATEMENT = """\
# Max pooling, forward and backward

Write `maxpool2d_forward(x, kernel_size, stride=None)` and
`maxpool2d_backward(dout, x, kernel_size, stride=None)` in numpy.

* `x`: input `(N, C, H, W)`; `kernel_size` and `stride`: an `int` or a `(height, width)` tuple.
* `stride=None` means stride = kernel_size. No padding; the output has
  `HO = (H - KH) // sh + 1` rows (floor division), likewise `WO`.
* `out[n, c, i, j]` is the maximum of the window starting at row `i*sh`, column `j*sw`.
* The backward pass returns `dx` (shape of `x`): each `dout[n, c, i, j]` goes to the position of
  its window's maximum (the first one in row-major order when several values tie, as in
  PyTorch); where windows overlap, contributions add up.

Graded by properties: shapes, window maxima, batch and channels, overlapping windows, the
`stride=None` default, non-square inputs and kernels, gradient routing, ties, and everything at
once (N, C >= 4, H != W, tuple kernel and stride, ties, values of wide magnitudes).
"""


def _stride_one(stride):
    return 1 if stride is None else stride


def _first_max(window, g):
    patch = np.zeros_like(window)
    patch[np.unravel_index(np.argmax(window), window.shape)] = g
    return patch


MISCONCEPTIONS = (
    Misconception("forward_stride_default_one", FWD, "with stride=None your output slides by 1; "
                  "stride=None means stride = kernel_size (non-overlapping windows).",
                  lambda x, k, stride=None: refs.max_pool2d(x, k, _stride_one(stride))),
    Misconception("forward_ceil", FWD, "your output size rounds up (ceil) and keeps partial windows; "
                  "the output has (H - KH) // sh + 1 rows, every window lies inside the input.",
                  lambda x, k, stride=None: refs.pool_ceil("max", x, k, stride)),
    Misconception("forward_kernel_swapped", FWD, "your output reads kernel_size as (width, height); "
                  "kernel_size=(kh, kw) spans kh rows and kw columns.",
                  lambda x, k, stride=None: refs.max_pool2d(x, refs.pair(k)[::-1], stride)),
    Misconception("forward_stride_swapped", FWD, "your output reads stride as (width, height); "
                  "stride=(sh, sw) moves sh rows and sw columns.",
                  lambda x, k, stride=None: refs.max_pool2d(x, k, refs.pool_stride(k, stride)[::-1])),
    Misconception("forward_average", FWD, "your output is the window average; max pooling keeps "
                  "the window maximum.",
                  lambda x, k, stride=None: refs.avg_pool2d(x, k, stride)),
    Misconception("backward_all_ties", BWD, "your gradient goes to every position that ties for the "
                  "maximum; it goes to one position only, the first maximum (as np.argmax picks).",
                  lambda g, x, k, stride=None: refs.window_backward(
                      g, x, k, stride, lambda win, d: (win == win.max()) * d)),
    Misconception("backward_every_position", BWD, "your gradient goes to every position of the "
                  "window; only the position of the maximum receives it.",
                  lambda g, x, k, stride=None: refs.window_backward(
                      g, x, k, stride, lambda win, d: np.full_like(win, d))),
    Misconception("backward_overwrite", BWD, "where windows overlap your gradient keeps only the last "
                  "window's contribution; contributions must add up (+=, not =).",
                  lambda g, x, k, stride=None: refs.window_backward(
                      g, x, k, stride, _first_max, accumulate=False)),
    Misconception("backward_stride_default_one", BWD, "with stride=None your backward pass slides by "
                  "1; stride=None means stride = kernel_size.",
                  lambda g, x, k, stride=None: refs.window_backward(
                      g, x, k, _stride_one(stride), _first_max)),
)


def _fwd(name, points, description, examples=(), **kw):
    # The forward maximum does not depend on how ties are broken: the grid, ties included.
    return PropertyGroup(name, points, description, FWD, pool_cases(distinct=False, **kw), examples=tuple(examples),
                         shape_only=name.endswith("shape"))


def _bwd(name, points, description, examples=(), **kw):
    return PropertyGroup(name, points, description, BWD, pool_cases(dout=True, **kw),
                         examples=tuple(examples), shape_only=name.endswith("shape"))


#: Everything at once: N and C of 4 or 5, H != W, non-square kernels, tuple strides of 2 or
#: 3 (windows overlap where the kernel is larger), at least 4x4 outputs, wide magnitudes.
_ALL = dict(batch=(4, 5), channels=(4, 5), size=(1, 14), kernel=(2, 4), stride=(2, 3), tuple_args=True,
            sides="non_square", magnitude=10, min_output=4)

# Each group draws square inputs and kernels unless its own feature is the non-square case:
# a mistake in one feature costs that feature's group(s) and all_at_once.
GROUPS = (
    _fwd("forward_shape", 1, "Forward output shape (N, C, HO, WO) for any geometry.",
         batch=(1, 2), channels=(1, 3), stride=(1, 3), tuple_args=True, sides="any"),
    _fwd("forward_windows", 2, "Forward: the maximum of each window (int kernel and stride).",
         [fixed_pool_case(1, n=1, c=1, h=6, w=6, kernel_size=2, stride=2)], stride=(1, 3)),
    _fwd("forward_batch_channels", 1, "Forward: every image and channel pooled separately.",
         batch=(2, 4), channels=(2, 4), size=(1, 8), stride=(1, 3)),
    _fwd("forward_overlap", 2, "Forward: overlapping windows (stride < kernel).",
         [fixed_pool_case(2, n=1, c=1, h=5, w=5, kernel_size=3, stride=1)], stride="overlap"),
    _fwd("forward_default_stride", 1, "Forward: stride=None means stride = kernel_size.",
         [fixed_pool_case(3, n=1, c=2, h=7, w=7, kernel_size=3)]),
    _fwd("forward_non_square", 2, "Forward: non-square inputs (H != W), (height, width) tuples for "
         "kernel and stride.",
         [fixed_pool_case(4, n=1, c=1, h=5, w=7, kernel_size=(2, 3), stride=(1, 2))],
         stride=(1, 3), tuple_args=True, sides="non_square"),
    _fwd("forward_all_at_once", 2, "Forward, everything at once: N and C of 4 or 5, H != W, tuple "
         "kernel and stride (2 or 3), overlapping windows, at least 4x4 outputs, ties, wide magnitudes.",
         [fixed_pool_case(10, n=4, c=4, h=13, w=11, kernel_size=(4, 3), stride=(3, 2), distinct=False)], **_ALL),
    _bwd("backward_shape", 1, "Backward: dx has the shape of x.",
         batch=(1, 2), channels=(1, 3), stride=(1, 3), tuple_args=True, sides="any"),
    _bwd("backward_routing", 2, "Backward: each gradient goes to its window's maximum.",
         [fixed_pool_case(5, n=1, c=1, h=4, w=4, kernel_size=2, stride=2, dout=True)],
         batch=(1, 2), channels=(1, 2), stride=(1, 3)),
    _bwd("backward_overlap", 2, "Backward: overlapping windows add their contributions.",
         [fixed_pool_case(6, n=1, c=1, h=4, w=4, kernel_size=3, stride=1, dout=True)], stride="overlap"),
    _bwd("backward_default_stride", 1, "Backward: stride=None means stride = kernel_size.",
         [fixed_pool_case(7, n=1, c=1, h=7, w=7, kernel_size=3, dout=True)]),
    _bwd("backward_non_square", 1, "Backward: non-square inputs (H != W), (height, width) tuples for "
         "kernel and stride.",
         [fixed_pool_case(8, n=1, c=1, h=6, w=5, kernel_size=(3, 2), stride=(2, 1), dout=True)],
         stride=(1, 3), tuple_args=True, sides="non_square"),
    _bwd("backward_ties", 1, "Backward with tied maxima: only the first maximum (row-major) "
         "receives the gradient, as in PyTorch.",
         [fixed_pool_case(9, n=1, c=1, h=4, w=4, kernel_size=2, stride=2, dout=True, distinct=False)],
         stride=(1, 3), distinct=False),
    _bwd("backward_all_at_once", 1, "Backward, everything at once: N and C of 4 or 5, H != W, tuple "
         "kernel and stride (2 or 3), overlapping windows, at least 4x4 outputs, ties, wide magnitudes.",
         [fixed_pool_case(11, n=4, c=4, h=13, w=11, kernel_size=(4, 3), stride=(3, 2), dout=True,
                          distinct=False)],
         distinct=False, **_ALL),
)

EXERCISE = CodeExercise(
    name="maxpool2d",
    title="Max pooling, forward and backward",
    summary="numpy maxpool2d_forward / maxpool2d_backward with kernel_size, stride (None = kernel)",
    version="2",  # 2: scoped groups (square unless non-square), all_at_once groups, ties and wide values
    statement=STATEMENT,
    functions=(
        Function(FWD, "x, kernel_size, stride=None", """\
Forward pass of 2-D max pooling (no padding).

x: (N, C, H, W); kernel_size, stride: int or (height, width); stride=None means kernel_size.
Returns out: (N, C, HO, WO) with HO = (H - KH) // sh + 1, likewise WO.
"""),
        Function(BWD, "dout, x, kernel_size, stride=None", """\
Backward pass of 2-D max pooling.

dout: (N, C, HO, WO) upstream gradient; x, kernel_size, stride as in the forward pass.
Returns dx: (N, C, H, W); each dout value goes to its window's (first) maximum.
"""),
    ),
    groups=GROUPS,
    references={FWD: refs.max_pool2d, BWD: refs.max_pool2d_grad},
    misconceptions=MISCONCEPTIONS,
)
