"""Hypothesis strategies for layer inputs, shared by the code exercises.

Small ``@st.composite`` builders with keyword-only ``(min, max)`` bounds that always
produce valid geometry (the kernel fits the padded input). Values:

* **The grid** (default): multiples of 1/4 in [-2, 2], exact ties and zeros included
  (exact in float32 too, printable in full). ``distinct=True`` draws pairwise-different
  multiples of 1/8 in [-50, 50] instead, for max-pooling groups that must not depend on how
  ties are broken.
* **Wide magnitudes** (``magnitude=M`` on the case builders): each array is multiplied by
  its own power of two ``2**e``, ``|e| <= M``. The exponents are drawn so that every output
  keeps a magnitude of at least the grid's (e.g. ``e_x + e_w >= 0`` for a convolution, the
  bias at ``2**(e_x + e_w)``): the tolerance's absolute floor (``atol * max(1, ...)``) never
  hides a value. A power of two changes no mantissa, so every sum of products stays exact in
  float32 as well: a correct float32 implementation returns what the float64 reference does.
* **Tiny values** (``tiny=True``): some elements are ``k * 2**-e`` with ``1 <= |k| <= 8``,
  ``24 <= e <= 48`` (between 4e-15 and 5e-7), positive and negative: a comparison with a
  threshold instead of 0 (``x > 1e-6``) shows.

Everything shrinks towards the simplest: exponents towards 0, tiny elements back to the grid,
grid values towards 0, sizes towards their minimum, so a shrunk counterexample is small and
readable.
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
    "SIDES",
    "TINY_EXPONENTS",
]

Range = tuple[int, int]

#: ``sides`` of the geometry builders: ``"square"`` (H == W and KH == KW: the simplest, for
#: groups about something else), ``"any"`` (drawn apart) or ``"non_square"`` (H != W always).
SIDES = ("square", "any", "non_square")
#: Exponents of the tiny values: ``k * 2**-e`` lies between 2**-48 (3.6e-15) and 8 * 2**-24 (4.8e-7).
TINY_EXPONENTS = (24, 48)


def _check_range(name: str, bounds: Range, *, minimum: int = 0) -> Range:
    lo, hi = bounds
    if not (isinstance(lo, int) and isinstance(hi, int) and minimum <= lo <= hi):
        raise ValueError(f"{name} must be a (min, max) pair of ints with {minimum} <= min <= max, got {bounds!r}")
    return bounds


def _check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


def _check_magnitude(magnitude: int) -> None:
    if not (isinstance(magnitude, int) and 0 <= magnitude <= 60):
        raise ValueError(f"magnitude must be an int exponent bound in [0, 60], got {magnitude!r}")


#: Arrays up to this many elements are drawn element by element (each value shrinks towards
#: 0, so small counterexamples read easily); larger ones from a drawn seed (fast to draw and
#: to shrink: hypothesis first makes the sizes small, then the elements).
ELEMENTWISE_MAX = 32


def _tiny_elements():
    k = st.integers(1, 8) | st.integers(-8, -1)
    return st.builds(lambda k, e: k * 2.0 ** -e, k, st.integers(*TINY_EXPONENTS))


def values(shape: tuple[int, ...], *, distinct: bool = False, tiny: bool = False, scale: int = 0):
    """Float64 arrays of ``shape``: grid values (multiples of 1/4 in [-2, 2]) or, with
    ``distinct``, pairwise-different multiples of 1/8 in [-50, 50].

    * ``tiny``: elements may also be tiny (``k * 2**-e``, see :data:`TINY_EXPONENTS`); they
      shrink back to grid values.
    * ``scale``: every element times ``2**scale`` (a drawn exponent: see the case builders).
    """
    if int(np.prod(shape)) > ELEMENTWISE_MAX:
        return st.integers(0, 2**32 - 1).map(
            lambda seed: fixed_values(seed, shape, distinct=distinct, tiny=tiny, scale=scale))
    if distinct:
        elements = st.integers(-400, 400).map(lambda k: k / 8)
    else:
        elements = st.integers(-8, 8).map(lambda k: k / 4)
    if tiny:
        elements = elements | _tiny_elements()
    arrays = hnp.arrays(np.float64, shape, elements=elements, fill=st.nothing(), unique=distinct)
    return arrays.map(lambda a: a * 2.0 ** scale) if scale else arrays


def fixed_values(seed: int, shape: tuple[int, ...], *, distinct: bool = False, tiny: bool = False,
                 scale: int = 0) -> np.ndarray:
    """Deterministic values for explicit edge examples (same distribution as :func:`values`:
    with ``tiny``, about a quarter of the elements are tiny)."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    if distinct:
        a = (rng.permutation(np.arange(-400, 401))[:size] / 8).reshape(shape)
    else:
        a = rng.integers(-8, 9, size=shape) / 4
    if tiny:
        k = rng.integers(1, 9, size=shape) * rng.choice((-1.0, 1.0), size=shape)
        small = k * 2.0 ** -rng.integers(TINY_EXPONENTS[0], TINY_EXPONENTS[1] + 1, size=shape)
        a = np.where(rng.random(shape) < 0.25, small, a)
    return a * 2.0 ** scale


def _pair(draw, bounds: Range, same: bool) -> tuple[int, int]:
    first = draw(st.integers(*bounds))
    return (first, first) if same else (first, draw(st.integers(*bounds)))


def _exponent(draw, lo: int, hi: int) -> int:
    return draw(st.integers(lo, hi)) if lo < hi else lo


def _sides(draw, lo: tuple[int, int], hi: tuple[int, int], sides: str) -> tuple[int, int]:
    """(H, W) with H in [lo[0], hi[0]], W in [lo[1], hi[1]] (a maximum below its minimum is
    raised to it): equal for "square", different for "non_square"."""
    hi = (max(hi[0], lo[0]), max(hi[1], lo[1]))
    if sides == "square":
        low = max(lo)
        h = draw(st.integers(low, max(max(hi), low)))
        return h, h
    h = draw(st.integers(lo[0], hi[0]))
    if sides == "any":
        return h, draw(st.integers(lo[1], hi[1]))
    top = hi[1] + 1 if hi[1] == lo[1] else hi[1]
    w = draw(st.integers(lo[1], top - 1))  # one value fewer, then skip H: W != H
    return h, (w + 1 if lo[1] <= h <= w else w)


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
    _check_choice("sides", spec["sides"], SIDES)
    _check_magnitude(spec["magnitude"])
    if not (isinstance(spec["min_output"], int) and spec["min_output"] >= 1):
        raise ValueError(f"min_output must be an int >= 1, got {spec['min_output']!r}")
    return _conv_cases(**bounds)


_CONV_DEFAULTS = dict(batch=(1, 1), channels=(1, 1), filters=(1, 1), size=(1, 12), kernel=(1, 5),
                      stride=None, padding=None, sides="square", magnitude=0, min_output=1)


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
    sides: str = "square",
    tuple_args: bool = False,
    bias: bool = True,
    dout: bool = False,
    magnitude: int = 0,
    min_output: int = 1,
):
    """Cases ``(x, w, b[, stride=][, padding=])`` for a 2-D convolution, or with
    ``dout=True`` ``(dout, x, w, b, ...)`` for its backward pass.

    * ``stride`` / ``padding``: bounds of the drawn value, or None to leave the argument out
      (the function's default is then used: 1 and 0).
    * ``sides``: ``"square"`` (H == W, KH == KW), ``"any"`` or ``"non_square"`` (H != W; the
      kernel's sides drawn apart), see :data:`SIDES`.
    * ``tuple_args``: pass stride and padding as ``(height, width)`` tuples whose entries are
      drawn apart (else ints: height and width share one value).
    * ``bias``: False keeps the bias at zero (isolates the sliding window from the bias).
    * ``magnitude``: wide magnitudes: x times ``2**e_x``, w times ``2**e_w`` (``|e| <=
      magnitude``, ``e_x + e_w >= 0``), the bias at their product's scale; dout at a scale
      that keeps dx, dw and db at least on the grid.
    * ``min_output``: at least this many output rows and columns (the input grows to fit).
    """
    sh, sw = _pair(draw, stride, not tuple_args) if stride is not None else (1, 1)
    ph, pw = _pair(draw, padding, not tuple_args) if padding is not None else (0, 0)
    # The input's sides first, then kernels that fit them: shrinking the input shrinks the
    # kernel with it (drawn the other way round, a large first kernel pins a large input).
    lo = tuple(max(size[0], kernel[0] - 2 * p, (min_output - 1) * s + kernel[0] - 2 * p)
               for s, p in ((sh, ph), (sw, pw)))
    h, w_ = _sides(draw, lo, (size[1], size[1]), sides)
    top = tuple(min(kernel[1], side + 2 * p - (min_output - 1) * s)
                for side, s, p in ((h, sh, ph), (w_, sw, pw)))
    if sides == "square":
        kh = kw = draw(st.integers(kernel[0], min(top)))
    else:
        kh, kw = draw(st.integers(kernel[0], top[0])), draw(st.integers(kernel[0], top[1]))
    n, c, f = draw(st.integers(*batch)), draw(st.integers(*channels)), draw(st.integers(*filters))
    ex = _exponent(draw, -magnitude, magnitude)
    ew = _exponent(draw, max(-magnitude, -ex), magnitude)
    x = draw(values((n, c, h, w_), scale=ex))
    w = draw(values((f, c, kh, kw), scale=ew))
    b = draw(values((f,), scale=ex + ew)) if bias else np.zeros(f)
    kwargs = {}
    if stride is not None:
        kwargs["stride"] = (sh, sw) if tuple_args else sh
    if padding is not None:
        kwargs["padding"] = (ph, pw) if tuple_args else ph
    if not dout:
        return Case((x, w, b), kwargs)
    ho = conv_output_size(h, kh, stride=sh, padding=ph)
    wo = conv_output_size(w_, kw, stride=sw, padding=pw)
    ed = _exponent(draw, max(0, -ex, -ew), magnitude)
    g = draw(values((n, f, ho, wo), scale=ed))
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
    _check_choice("sides", bounds.get("sides", "square"), SIDES)
    _check_magnitude(bounds.get("magnitude", 0))
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
    sides: str = "square",
    tuple_args: bool = False,
    distinct: bool = True,
    dout: bool = False,
    magnitude: int = 0,
    min_output: int = 1,
):
    """Cases ``(x, kernel_size[, stride])`` for 2-D pooling, or ``(dout, x, kernel_size[,
    stride])`` with ``dout=True``.

    * ``stride``: bounds, ``"overlap"`` (1 <= stride < kernel, so windows overlap; needs
      kernels >= 2), or None to leave it out (stride = kernel).
    * ``sides``: as for :func:`conv_cases` (``"square"``: H == W and KH == KW).
    * ``tuple_args``: kernel and stride as ``(height, width)`` tuples, entries drawn apart
      (unless ``sides="square"``, which keeps the kernel square).
    * ``distinct``: pairwise-different values (else the grid, ties included).
    * ``magnitude``: x times ``2**e`` (forward: ``0 <= e``; backward: any ``|e| <=
      magnitude``, only the positions of the maxima matter) and dout times ``2**e_d``, ``e_d >= 0``.
    * ``min_output``: at least this many output rows and columns.
    """
    same = sides == "square" or not tuple_args
    n, c = draw(st.integers(*batch)), draw(st.integers(*channels))
    lo_k = max(kernel[0], 2) if stride == "overlap" else kernel[0]
    kh, kw = _pair(draw, (lo_k, kernel[1]), same)
    if stride == "overlap":
        sh = draw(st.integers(1, kh - 1))
        sw = sh if not tuple_args else draw(st.integers(1, kw - 1))
    elif stride is not None:
        sh, sw = _pair(draw, stride, not tuple_args)
    else:
        sh, sw = kh, kw
    lo = tuple(max(size[0], k, (min_output - 1) * s + k) for k, s in ((kh, sh), (kw, sw)))
    h, w_ = _sides(draw, lo, (size[1], size[1]), sides)
    ex = _exponent(draw, -magnitude if dout else 0, magnitude)
    x = draw(values((n, c, h, w_), distinct=distinct, scale=ex))
    args = [x, (kh, kw) if tuple_args else kh]
    if stride is not None:
        args.append((sh, sw) if tuple_args else sh)
    if not dout:
        return Case(tuple(args))
    ed = _exponent(draw, 0, magnitude)
    g = draw(values((n, c, conv_output_size(h, kh, stride=sh), conv_output_size(w_, kw, stride=sw)), scale=ed))
    return Case((g, *args))


def array_cases(*, ndim: Range = (1, 4), side: Range = (1, 6), count: int = 1, magnitude: int = 0,
                tiny: bool = False):
    """Cases of ``count`` arrays of one random shape (elementwise layers such as relu):
    ``ndim`` and ``side`` bound the shape; every array has its own scale ``2**e`` with
    ``0 <= e <= magnitude``; ``tiny``: elements may be tiny."""
    _check_range("ndim", ndim, minimum=1)
    _check_range("side", side, minimum=1)
    _check_magnitude(magnitude)
    return _array_cases(ndim=ndim, side=side, count=count, magnitude=magnitude, tiny=tiny)


@st.composite
def _array_cases(draw, *, ndim, side, count, magnitude, tiny):
    shape = tuple(draw(st.lists(st.integers(*side), min_size=ndim[0], max_size=ndim[1])))
    return Case(tuple(draw(values(shape, tiny=tiny, scale=_exponent(draw, 0, magnitude)))
                      for _ in range(count)))


def fixed_conv_case(seed: int, *, n: int, c: int, f: int, h: int, w: int, kh: int, kw: int,
                    stride: int | tuple[int, int] | None = None,
                    padding: int | tuple[int, int] | None = None, dout: bool = False,
                    scales: tuple[int, int, int] = (0, 0, 0)) -> Case:
    """An explicit convolution case with deterministic values (see :func:`conv_cases`);
    ``scales``: the exponents of x, w and dout (the bias at x times w)."""
    ex, ew, ed = scales
    x = fixed_values(seed, (n, c, h, w), scale=ex)
    wt = fixed_values(seed + 1, (f, c, kh, kw), scale=ew)
    b = fixed_values(seed + 2, (f,), scale=ex + ew)
    kwargs = {k: v for k, v in (("stride", stride), ("padding", padding)) if v is not None}
    if not dout:
        return Case((x, wt, b), kwargs)
    (sh, sw), (ph, pw) = pair(stride or 1), pair(padding or 0)
    g = fixed_values(seed + 3, (n, f, conv_output_size(h, kh, stride=sh, padding=ph),
                                conv_output_size(w, kw, stride=sw, padding=pw)), scale=ed)
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
                 bias: bool = True, dout: bool = False, magnitude: int = 0):
    """Cases ``(x, w, b)`` for a fully connected layer (x (N, D), w (M, D), b (M,)), or
    ``(dout, x, w, b)`` with ``dout=True``; ``magnitude``: scales as for :func:`conv_cases`."""
    for name, bounds in (("batch", batch), ("features_in", features_in), ("features_out", features_out)):
        _check_range(name, bounds, minimum=1)
    _check_magnitude(magnitude)
    return _linear_cases(batch=batch, features_in=features_in, features_out=features_out, bias=bias,
                         dout=dout, magnitude=magnitude)


@st.composite
def _linear_cases(draw, *, batch, features_in, features_out, bias, dout, magnitude):
    n, d, m = draw(st.integers(*batch)), draw(st.integers(*features_in)), draw(st.integers(*features_out))
    ex = _exponent(draw, -magnitude, magnitude)
    ew = _exponent(draw, max(-magnitude, -ex), magnitude)
    x, w = draw(values((n, d), scale=ex)), draw(values((m, d), scale=ew))
    b = draw(values((m,), scale=ex + ew)) if bias else np.zeros(m)
    if not dout:
        return Case((x, w, b))
    g = draw(values((n, m), scale=_exponent(draw, max(0, -ex, -ew), magnitude)))
    return Case((g, x, w, b))
