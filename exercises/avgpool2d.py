"""avgpool2d: forward and backward pass of 2-D average pooling in numpy."""

import numpy as np

from grader.checker import refs
from grader.checker.spec import CodeExercise, Function, Misconception, PropertyGroup
from grader.checker.strategies import fixed_pool_case, pool_cases

FWD, BWD = "avgpool2d_forward", "avgpool2d_backward"

STATEMENT = """\
# Average pooling, forward and backward

Write `avgpool2d_forward(x, kernel_size, stride=None)` and
`avgpool2d_backward(dout, x, kernel_size, stride=None)` in numpy.

* `x`: input `(N, C, H, W)`; `kernel_size` and `stride`: an `int` or a `(height, width)` tuple.
* `stride=None` means stride = kernel_size. No padding; `HO = (H - KH) // sh + 1`, likewise `WO`.
* `out[n, c, i, j]` is the mean of the `KH x KW` window starting at row `i*sh`, column `j*sw`.
* The backward pass returns `dx` (shape of `x`): each `dout[n, c, i, j]` is shared equally,
  `dout / (KH * KW)`, by the positions of its window; where windows overlap, contributions add up.

Graded by properties: shapes, window means, batch and channels, overlapping windows, the
`stride=None` default, non-square kernels, gradient spreading.
"""


def _stride_one(stride):
    return 1 if stride is None else stride


def _ceil(x, k, stride=None):
    """Output size rounded up; the partial windows at the bottom/right still divide by KH * KW."""
    (kh, kw), (sh, sw) = refs.pair(k), refs.pool_stride(k, stride)
    H, W = x.shape[2:]
    ho, wo = -(-(H - kh) // sh) + 1, -(-(W - kw) // sw) + 1
    xp = np.pad(x, ((0, 0), (0, 0), (0, (ho - 1) * sh + kh - H), (0, (wo - 1) * sw + kw - W)))
    return refs.avg_pool2d(xp, k, (sh, sw))


def _share(window, g):
    return np.full_like(window, g / window.size)


MISCONCEPTIONS = (
    Misconception("forward_sum", FWD, "your output is the window sum; average pooling divides it by "
                  "the window size KH * KW.",
                  lambda x, k, stride=None: refs.avg_pool2d(x, k, stride) * np.prod(refs.pair(k))),
    Misconception("forward_divides_by_kh_squared", FWD, "your output divides by KH * KH; the window "
                  "holds KH * KW values (kernels need not be square).",
                  lambda x, k, stride=None: refs.avg_pool2d(x, k, stride) * refs.pair(k)[1] / refs.pair(k)[0]),
    Misconception("forward_stride_default_one", FWD, "with stride=None your output slides by 1; "
                  "stride=None means stride = kernel_size.",
                  lambda x, k, stride=None: refs.avg_pool2d(x, k, _stride_one(stride))),
    Misconception("forward_ceil", FWD, "your output size rounds up (ceil) and keeps partial windows; "
                  "the output has (H - KH) // sh + 1 rows.", _ceil),
    Misconception("forward_kernel_swapped", FWD, "your output reads kernel_size as (width, height); "
                  "kernel_size=(kh, kw) spans kh rows and kw columns.",
                  lambda x, k, stride=None: refs.avg_pool2d(x, refs.pair(k)[::-1], stride)),
    Misconception("backward_not_divided", BWD, "your gradient gives every window position the whole "
                  "dout value; each of the KH * KW positions receives dout / (KH * KW).",
                  lambda g, x, k, stride=None: refs.window_backward(g, x, k, stride, lambda w, d: np.full_like(w, d))),
    Misconception("backward_overwrite", BWD, "where windows overlap your gradient keeps only the last "
                  "window's share; contributions must add up (+=, not =).",
                  lambda g, x, k, stride=None: refs.window_backward(g, x, k, stride, _share, accumulate=False)),
    Misconception("backward_like_max", BWD, "your gradient goes to the window maximum, as in max "
                  "pooling; average pooling shares it equally over the window.",
                  lambda g, x, k, stride=None: refs.max_pool2d_grad(g, x, k, stride)),
    Misconception("backward_stride_default_one", BWD, "with stride=None your backward pass slides by "
                  "1; stride=None means stride = kernel_size.",
                  lambda g, x, k, stride=None: refs.window_backward(g, x, k, _stride_one(stride), _share)),
)


def _fwd(name, points, description, examples=(), **kw):
    return PropertyGroup(name, points, description, FWD, pool_cases(distinct=False, **kw),
                         examples=tuple(examples), shape_only=name.endswith("shape"))


def _bwd(name, points, description, examples=(), **kw):
    return PropertyGroup(name, points, description, BWD, pool_cases(dout=True, distinct=False, **kw),
                         examples=tuple(examples), shape_only=name.endswith("shape"))


GROUPS = (
    _fwd("forward_shape", 1, "Forward output shape (N, C, HO, WO) for any geometry.",
         batch=(1, 2), channels=(1, 3), stride=(1, 3), tuple_args=True),
    _fwd("forward_windows", 3, "Forward: the mean of each window (int kernel and stride).",
         [fixed_pool_case(21, n=1, c=1, h=6, w=6, kernel_size=2, stride=2, distinct=False)], stride=(1, 3)),
    _fwd("forward_batch_channels", 1, "Forward: every image and channel pooled separately.",
         batch=(2, 3), channels=(2, 3), size=(1, 8), stride=(1, 3)),
    _fwd("forward_overlap", 2, "Forward: overlapping windows (stride < kernel).",
         [fixed_pool_case(22, n=1, c=1, h=5, w=5, kernel_size=3, stride=1, distinct=False)], stride="overlap"),
    _fwd("forward_default_stride", 2, "Forward: stride=None means stride = kernel_size.",
         [fixed_pool_case(23, n=1, c=2, h=7, w=6, kernel_size=3, distinct=False)]),
    _fwd("forward_non_square", 2, "Forward: (height, width) tuples for kernel and stride.",
         [fixed_pool_case(24, n=1, c=1, h=5, w=7, kernel_size=(2, 3), stride=(1, 2), distinct=False)],
         stride=(1, 3), tuple_args=True),
    _bwd("backward_shape", 1, "Backward: dx has the shape of x.",
         batch=(1, 2), channels=(1, 3), stride=(1, 3), tuple_args=True),
    _bwd("backward_spread", 3, "Backward: each gradient is shared equally by its window.",
         [fixed_pool_case(25, n=1, c=1, h=4, w=4, kernel_size=2, stride=2, dout=True, distinct=False)],
         batch=(1, 2), channels=(1, 2), stride=(1, 3)),
    _bwd("backward_overlap", 2, "Backward: overlapping windows add their contributions.",
         [fixed_pool_case(26, n=1, c=1, h=4, w=4, kernel_size=3, stride=1, dout=True, distinct=False)],
         stride="overlap"),
    _bwd("backward_default_stride", 1, "Backward: stride=None means stride = kernel_size.",
         [fixed_pool_case(27, n=1, c=1, h=6, w=7, kernel_size=3, dout=True, distinct=False)]),
    _bwd("backward_non_square", 2, "Backward: (height, width) tuples for kernel and stride.",
         [fixed_pool_case(28, n=1, c=1, h=6, w=5, kernel_size=(3, 2), stride=(2, 1), dout=True, distinct=False)],
         stride=(1, 3), tuple_args=True),
)

EXERCISE = CodeExercise(
    name="avgpool2d",
    title="Average pooling, forward and backward",
    summary="numpy avgpool2d_forward / avgpool2d_backward with kernel_size, stride (None = kernel)",
    version="1",
    statement=STATEMENT,
    functions=(
        Function(FWD, "x, kernel_size, stride=None", """\
Forward pass of 2-D average pooling (no padding).

x: (N, C, H, W); kernel_size, stride: int or (height, width); stride=None means kernel_size.
Returns out: (N, C, HO, WO) with HO = (H - KH) // sh + 1, likewise WO.
"""),
        Function(BWD, "dout, x, kernel_size, stride=None", """\
Backward pass of 2-D average pooling.

dout: (N, C, HO, WO) upstream gradient; x, kernel_size, stride as in the forward pass.
Returns dx: (N, C, H, W); each dout value is shared equally by its window's positions.
"""),
    ),
    groups=GROUPS,
    references={FWD: refs.avg_pool2d, BWD: refs.avg_pool2d_grad},
    misconceptions=MISCONCEPTIONS,
)
