"""Hypothesis strategies for layer inputs, shared by the code exercises.

Small ``@st.composite`` builders with keyword-only ``(min, max)`` bounds that always
produce valid geometry (the kernel fits the padded input). Array values are multiples of
1/4 in [-2, 2] (non-integers, exact in float32 too, printable in full); they shrink
towards 0, sizes shrink towards their minimum, so a shrunk counterexample is small and
readable. ``distinct=True`` draws pairwise-different values (multiples of 1/8) for
max-pooling groups that must not depend on how ties are broken.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.checker.refs import pair, pool_stride
from grader.checker.spec import Case
from grader.reference.shapes import conv_output_size

__all__ = [
    "values",
    "conv_cases",
    "pool_cases",
    "array_cases",
    "fixed_values",
    "fixed_conv_case",
    "fixed_pool_case",
    "linear_cases",
]

Range = tuple[int, int]


def _check_range(name: str, bounds: Range, *, minimum: int = 0) -> Range:
    lo, hi = bounds
    if not (isinstance(lo, int) and isinstance(hi, int) and minimum <= lo <= hi):
        raise ValueError(f"{name} must be a (min, max) pair of ints with {minimum} <= min <= max, got {bounds!r}")
    return bounds


#: Arrays up to this many elements are drawn element by element (each value shrinks towards
#: 0, so small counterexamples read easily); larger ones from a drawn seed (fast to draw and
#: to shrink: hypothesis first makes the sizes small, then the elements).
ELEMENTWISE_MAX = 32


def values(shape: tuple[int, ...], *, distinct: bool = False):
    """Float64 arrays of ``shape``: multiples of 1/4 in [-2, 2], or distinct multiples of 1/8."""
    if int(np.prod(shape)) > ELEMENTWISE_MAX:
        return st.integers(0, 2**32 - 1).map(lambda seed: fixed_values(seed, shape, distinct=distinct))
    if distinct:
        elements = st.integers(-400, 400).map(lambda k: k / 8)
    else:
        elements = st.integers(-8, 8).map(lambda k: k / 4)
    return hnp.arrays(np.float64, shape, elements=elements, fill=st.nothing(), unique=distinct)


def fixed_values(seed: int, shape: tuple[int, ...], *, distinct: bool = False) -> np.ndarray:
    """Deterministic values for explicit edge examples (same grid as :func:`values`)."""
    rng = np.random.default_rng(seed)
    if distinct:
        size = int(np.prod(shape))
        return (rng.permutation(np.arange(-400, 401))[:size] / 8).reshape(shape)
    return rng.integers(-8, 9, size=shape) / 4


def _pair(draw, bounds: Range, same: bool) -> tuple[int, int]:
    first = draw(st.integers(*bounds))
    return (first, first) if same else (first, draw(st.integers(*bounds)))


def conv_cases(**bounds):
    """Cases ``(x, w, b[, stride=][, padding=])`` for a 2-D convolution, or with
    ``dout=True`` ``(dout, x, w, b, ...)`` for its backward pass (bounds validated here;
    see :func:`_conv_cases` for the keywords)."""
    spec = {**_CONV_DEFAULTS, **bounds}
    for name in ("batch", "channels", "filters", "size", "kernel"):
        _check_range(name, spec[name], minimum=1)
    for name in ("stride", "padding"):
        if spec[name] is not None:
            _check_range(name, spec[name], minimum=1 if name == "stride" else 0)
    if spec["kernel"][0] > spec["size"][1]:
        raise ValueError(f"kernel minimum {spec['kernel'][0]} cannot fit size maximum {spec['size'][1]}")
    return _conv_cases(**bounds)


_CONV_DEFAULTS = dict(batch=(1, 1), channels=(1, 1), filters=(1, 1), size=(1, 12), kernel=(1, 5),
                      stride=None, padding=None)


@st.composite
def _conv_cases(
    draw,
    *,
    batch: Range = (1, 1),
    channels: Range = (1, 1),
    filters: Range = (1, 1),
    size: Range = (1, 12),
    kernel: Range = (1, 5),
    stride: Range | None = None,
    padding: Range | None = None,
    square: bool = False,
    tuple_args: bool = False,
    bias: bool = True,
    dout: bool = False,
):
    """Cases ``(x, w, b[, stride=][, padding=])`` for a 2-D convolution, or with
    ``dout=True`` ``(dout, x, w, b, ...)`` for its backward pass.

    * ``stride`` / ``padding``: bounds of the drawn value, or None to leave the argument out
      (the function's default is then used: 1 and 0).
    * ``square``: equal height and width for the input, the kernel, stride and padding.
    * ``tuple_args``: pass stride and padding as ``(height, width)`` tuples (else ints, and
      height and width share one value).
    * ``bias``: False keeps the bias at zero (isolates the sliding window from the bias).
    """
    same = square or not tuple_args
    n, c, f = draw(st.integers(*batch)), draw(st.integers(*channels)), draw(st.integers(*filters))
    kh, kw = _pair(draw, kernel, square)
    sh, sw = _pair(draw, stride, same) if stride is not None else (1, 1)
    ph, pw = _pair(draw, padding, same) if padding is not None else (0, 0)
    h = draw(st.integers(max(size[0], kh - 2 * ph), size[1]))
    w_ = h if square else draw(st.integers(max(size[0], kw - 2 * pw), size[1]))
    x = draw(values((n, c, h, w_)))
    w = draw(values((f, c, kh, kw)))
    b = draw(values((f,))) if bias else np.zeros(f)
    kwargs = {}
    if stride is not None:
        kwargs["stride"] = (sh, sw) if tuple_args else sh
    if padding is not None:
        kwargs["padding"] = (ph, pw) if tuple_args else ph
    if not dout:
        return Case((x, w, b), kwargs)
    ho = conv_output_size(h, kh, stride=sh, padding=ph)
    wo = conv_output_size(w_, kw, stride=sw, padding=pw)
    g = draw(values((n, f, ho, wo)))
    return Case((g, x, w, b), kwargs)


def pool_cases(**bounds):
    """Cases ``(x, kernel_size[, stride])`` for 2-D pooling, or ``(dout, x, kernel_size[,
    stride])`` with ``dout=True`` (bounds validated here; see :func:`_pool_cases`)."""
    for name in ("batch", "channels", "size", "kernel"):
        if name in bounds:
            _check_range(name, bounds[name], minimum=1)
    stride = bounds.get("stride")
    if stride == "overlap" and bounds.get("kernel", (1, 4))[1] < 2:
        raise ValueError("stride='overlap' needs kernels of at least 2")
    if stride not in (None, "overlap"):
        _check_range("stride", stride, minimum=1)
    return _pool_cases(**bounds)


@st.composite
def _pool_cases(
    draw,
    *,
    batch: Range = (1, 1),
    channels: Range = (1, 1),
    size: Range = (1, 12),
    kernel: Range = (1, 4),
    stride: Range | str | None = None,
    square: bool = False,
    tuple_args: bool = False,
    distinct: bool = True,
    dout: bool = False,
):
    """Cases ``(x, kernel_size[, stride])`` for 2-D pooling, or ``(dout, x, kernel_size[,
    stride])`` with ``dout=True``. ``stride``: bounds, ``"overlap"`` (1 <= stride < kernel,
    so windows overlap; needs kernels >= 2), or None to leave it out (stride = kernel)."""
    same = square or not tuple_args
    n, c = draw(st.integers(*batch)), draw(st.integers(*channels))
    lo_k = max(kernel[0], 2) if stride == "overlap" else kernel[0]
    kh, kw = _pair(draw, (lo_k, kernel[1]), same)
    if stride == "overlap":
        sh = draw(st.integers(1, kh - 1))
        sw = sh if same else draw(st.integers(1, kw - 1))
    elif stride is not None:
        sh, sw = _pair(draw, stride, same)
    else:
        sh, sw = kh, kw
    h = draw(st.integers(max(size[0], kh), max(size[1], kh)))
    w_ = h if square else draw(st.integers(max(size[0], kw), max(size[1], kw)))
    x = draw(values((n, c, h, w_), distinct=distinct))
    args = [x, (kh, kw) if tuple_args else kh]
    if stride is not None:
        args.append((sh, sw) if tuple_args else sh)
    if not dout:
        return Case(tuple(args))
    g = draw(values((n, c, conv_output_size(h, kh, stride=sh), conv_output_size(w_, kw, stride=sw))))
    return Case((g, *args))


def array_cases(*, ndim: Range = (1, 4), side: Range = (1, 6), count: int = 1):
    """Cases of ``count`` arrays of one random shape (elementwise layers such as relu)."""
    _check_range("ndim", ndim, minimum=1)
    _check_range("side", side, minimum=1)
    return _array_cases(ndim=ndim, side=side, count=count)


@st.composite
def _array_cases(draw, *, ndim, side, count):
    shape = tuple(draw(st.lists(st.integers(*side), min_size=ndim[0], max_size=ndim[1])))
    return Case(tuple(draw(values(shape)) for _ in range(count)))


def fixed_conv_case(seed: int, *, n: int, c: int, f: int, h: int, w: int, kh: int, kw: int,
                    stride: int | tuple[int, int] | None = None,
                    padding: int | tuple[int, int] | None = None, dout: bool = False) -> Case:
    """An explicit convolution case with deterministic values (see :func:`conv_cases`)."""
    x = fixed_values(seed, (n, c, h, w))
    wt = fixed_values(seed + 1, (f, c, kh, kw))
    b = fixed_values(seed + 2, (f,))
    kwargs = {k: v for k, v in (("stride", stride), ("padding", padding)) if v is not None}
    if not dout:
        return Case((x, wt, b), kwargs)
    (sh, sw), (ph, pw) = pair(stride or 1), pair(padding or 0)
    g = fixed_values(seed + 3, (n, f, conv_output_size(h, kh, stride=sh, padding=ph),
                                conv_output_size(w, kw, stride=sw, padding=pw)))
    return Case((g, x, wt, b), kwargs)


def fixed_pool_case(seed: int, *, n: int, c: int, h: int, w: int, kernel_size, stride=None,
                    dout: bool = False, distinct: bool = True) -> Case:
    """An explicit pooling case with deterministic values (see :func:`pool_cases`)."""
    x = fixed_values(seed, (n, c, h, w), distinct=distinct)
    args = [x, kernel_size] + ([] if stride is None else [stride])
    if not dout:
        return Case(tuple(args))
    (kh, kw), (sh, sw) = pair(kernel_size), pool_stride(kernel_size, stride)
    g = fixed_values(seed + 1, (n, c, conv_output_size(h, kh, stride=sh), conv_output_size(w, kw, stride=sw)))
    return Case((g, *args))


def linear_cases(*, batch: Range = (1, 4), features_in: Range = (1, 6), features_out: Range = (1, 5),
                 bias: bool = True, dout: bool = False):
    """Cases ``(x, w, b)`` for a fully connected layer (x (N, D), w (M, D), b (M,)), or
    ``(dout, x, w, b)`` with ``dout=True``."""
    for name, bounds in (("batch", batch), ("features_in", features_in), ("features_out", features_out)):
        _check_range(name, bounds, minimum=1)
    return _linear_cases(batch=batch, features_in=features_in, features_out=features_out, bias=bias, dout=dout)


@st.composite
def _linear_cases(draw, *, batch, features_in, features_out, bias, dout):
    n, d, m = draw(st.integers(*batch)), draw(st.integers(*features_in)), draw(st.integers(*features_out))
    x, w = draw(values((n, d))), draw(values((m, d)))
    b = draw(values((m,))) if bias else np.zeros(m)
    return Case((draw(values((n, m))), x, w, b)) if dout else Case((x, w, b))

