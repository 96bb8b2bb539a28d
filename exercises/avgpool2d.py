"""avgpool2d: forward and backward pass of 2-D average pooling in numpy."""

import numpy as np

from grader.checker import refs
from grader.checker.compare import check_output
from grader.checker.spec import CodeExercise, Failure, Function, Misconception, PropertyGroup, Tolerance
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
`stride=None` default, non-square inputs and kernels, gradient spreading, and everything at once
(N, C >= 4, H != W, tuple kernel and stride, values of wide magnitudes).
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
    Misconception("backward_window_not_offset", BWD, "your backward pass puts the window of output "
                  "(i, j) at row i, column j; it starts at row i*sh, column j*sw (the window moves by "
                  "the stride).",
                  lambda g, x, k, stride=None: refs.window_backward(g, x, k, stride, _share, offset=False)),
)


TOLERANCE = Tolerance()


def _equals(got, expected) -> bool:
    return check_output(got, expected, function=BWD, tol=TOLERANCE) is None


def _explains(m, case, got) -> bool:
    try:
        return _equals(got, m.reference(*case.args))
    except Exception:  # the mistaken formula is undefined on this input: it explains nothing
        return False


def _default_stride(case, call):
    """The backward pass called without stride, compared with the reference. With stride=None
    a window not offset by the stride and a stride=None read as 1 give the same array, so when
    the output equals both, the same call with stride = kernel_size given tells them apart:
    right there means the default is the mistake, the same slide-by-one the other."""
    expected = refs.avg_pool2d_grad(*case.args)
    got = call(BWD, *case.args)
    message = check_output(got, expected, function=BWD, tol=TOLERANCE)
    if message is None:
        return None
    keys = {m.key for m in MISCONCEPTIONS if m.function == BWD and _explains(m, case, got)}
    if keys == {"backward_stride_default_one", "backward_window_not_offset"}:
        dout, x, k = case.args
        explicit = call(BWD, dout, x, k, k)
        keys = ({"backward_stride_default_one"} if _equals(explicit, expected) else
                {"backward_window_not_offset"} if _equals(explicit, refs.window_backward(
                    dout, x, k, k, _share, offset=False)) else set())
    return Failure(message, keys.pop() if len(keys) == 1 else None)


def _fwd(name, points, description, examples=(), **kw):
    return PropertyGroup(name, points, description, FWD, pool_cases(distinct=False, **kw),
                         examples=tuple(examples), shape_only=name.endswith("shape"))


def _bwd(name, points, description, examples=(), **kw):
    return PropertyGroup(name, points, description, BWD, pool_cases(dout=True, distinct=False, **kw),
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
    _fwd("forward_windows", 2, "Forward: the mean of each window (int kernel and stride).",
         [fixed_pool_case(21, n=1, c=1, h=6, w=6, kernel_size=2, stride=2, distinct=False)], stride=(1, 3)),
    _fwd("forward_batch_channels", 1, "Forward: every image and channel pooled separately.",
         batch=(2, 4), channels=(2, 4), size=(1, 8), stride=(1, 3)),
    _fwd("forward_overlap", 2, "Forward: overlapping windows (stride < kernel).",
         [fixed_pool_case(22, n=1, c=1, h=5, w=5, kernel_size=3, stride=1, distinct=False)], stride="overlap"),
    _fwd("forward_default_stride", 1, "Forward: stride=None means stride = kernel_size.",
         [fixed_pool_case(23, n=1, c=2, h=7, w=7, kernel_size=3, distinct=False)]),
    _fwd("forward_non_square", 2, "Forward: non-square inputs (H != W), (height, width) tuples for "
         "kernel and stride.",
         [fixed_pool_case(24, n=1, c=1, h=5, w=7, kernel_size=(2, 3), stride=(1, 2), distinct=False)],
         stride=(1, 3), tuple_args=True, sides="non_square"),
    _fwd("forward_all_at_once", 2, "Forward, everything at once: N and C of 4 or 5, H != W, tuple "
         "kernel and stride (2 or 3), overlapping windows, at least 4x4 outputs, wide magnitudes.",
         [fixed_pool_case(29, n=4, c=4, h=13, w=11, kernel_size=(4, 3), stride=(3, 2), distinct=False)], **_ALL),
    _bwd("backward_shape", 1, "Backward: dx has the shape of x.",
         batch=(1, 2), channels=(1, 3), stride=(1, 3), tuple_args=True, sides="any"),
    _bwd("backward_spread", 2, "Backward: each gradient is shared equally by its window.",
         [fixed_pool_case(25, n=1, c=1, h=4, w=4, kernel_size=2, stride=2, dout=True, distinct=False)],
         batch=(1, 2), channels=(1, 2), stride=(1, 3)),
    _bwd("backward_overlap", 2, "Backward: overlapping windows add their contributions.",
         [fixed_pool_case(26, n=1, c=1, h=4, w=4, kernel_size=3, stride=1, dout=True, distinct=False)],
         stride="overlap"),
    PropertyGroup("backward_default_stride", 1, "Backward: stride=None means stride = kernel_size.", BWD,
                  pool_cases(dout=True, distinct=False),
                  examples=(fixed_pool_case(27, n=1, c=1, h=7, w=7, kernel_size=3, dout=True, distinct=False),),
                  prop=_default_stride),
    _bwd("backward_non_square", 2, "Backward: non-square inputs (H != W), (height, width) tuples for "
         "kernel and stride.",
         [fixed_pool_case(28, n=1, c=1, h=6, w=5, kernel_size=(3, 2), stride=(2, 1), dout=True, distinct=False)],
         stride=(1, 3), tuple_args=True, sides="non_square"),
    _bwd("backward_all_at_once", 1, "Backward, everything at once: N and C of 4 or 5, H != W, tuple "
         "kernel and stride (2 or 3), overlapping windows, at least 4x4 outputs, wide magnitudes.",
         [fixed_pool_case(30, n=4, c=4, h=13, w=11, kernel_size=(4, 3), stride=(3, 2), dout=True,
                          distinct=False)], **_ALL),
)

EXERCISE = CodeExercise(
    name="avgpool2d",
    title="Average pooling, forward and backward",
    summary="numpy avgpool2d_forward / avgpool2d_backward with kernel_size, stride (None = kernel)",
    version="2",  # 2: scoped groups (square unless non-square), all_at_once groups, wide values
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
