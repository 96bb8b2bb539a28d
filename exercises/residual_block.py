"""residual-block: the forward pass of a basic ResNet block in numpy.

``relu(conv(relu(conv(x, w1, b1, stride, same)), w2, b2, 1, same) + s)`` with the shortcut
``s = x`` or the strided 1x1 projection ``conv(x, w_proj, b_proj, stride, 0)``. The reference
is the torch engine; the misconceptions rebuild the block with one piece moved or left out.
Two mistakes usually crash instead of returning a wrong array (same padding replaced by no
padding, the projection without the stride: the two branches no longer have one shape);
the groups that isolate them recognise the crash by the branch shapes in the error message.
"""

import numpy as np
from hypothesis import strategies as st

from grader.checker import refs
from grader.checker.compare import check_output
from grader.checker.grading import StudentFailure
from grader.checker.spec import Case, CodeExercise, Failure, Function, Misconception, PropertyGroup, Tolerance
from grader.checker.strategies import fixed_values, values

FN = "residual_block_forward"
TOLERANCE = Tolerance()

STATEMENT = """\
# Residual block (forward pass)

Write `residual_block_forward(x, w1, b1, w2, b2, stride=1, w_proj=None, b_proj=None)` in numpy:

    out = relu( conv(relu(conv(x, w1, b1, stride, same)), w2, b2, 1, same) + s )

* `x`: `(N, C, H, W)`; `w1`: `(F, C, K1h, K1w)`, `b1`: `(F,)`; `w2`: `(F, F, K2h, K2w)`, `b2`: `(F,)`.
  Kernel sides are odd. `stride` is an `int`.
* `conv` is the cross-correlation of `conv2d-forward` (symmetric zero padding, floor output
  size). "same" padding is `(Kh // 2, Kw // 2)`: with stride 1 the output keeps the input's
  size; the first convolution applies the stride, the second always has stride 1.
* The shortcut `s` is `x` itself when `w_proj` is None (then `F == C` and `stride == 1`), else
  the 1x1 projection `conv(x, w_proj, b_proj, stride, 0)` with `w_proj`: `(F, C, 1, 1)` and
  `b_proj`: `(F,)`.
* The result has shape `(N, F, HO, WO)` with `HO = (H - 1) // stride + 1`, likewise `WO`.

Graded by properties (shape, identity shortcut, same padding for several kernel sizes, where
the relus go, the projection shortcut, stride 2 with projection, defaults, and everything at
once: several images, channels and filters, H != W, values of wide magnitudes). Do not import torch,
scipy or any library that implements convolution.
"""


# --- the block, right and bent -------------------------------------------------------------


def _same(w):
    return (w.shape[2] // 2, w.shape[3] // 2)


def _relu(a):
    return np.maximum(a, 0.0)


def _block(x, w1, b1, w2, b2, stride=1, w_proj=None, b_proj=None, *, inner_relu=True,
           combine="relu_after", shortcut="given", stride_at=1, padding=_same, proj_bias=True,
           proj_stride=True):
    """The block with one piece bent (numpy in, numpy out; convolutions by the engine).

    ``combine``: how the two branches meet ("relu_after", "relu_before", "relu_both",
    "no_relu", "no_shortcut"); ``shortcut``: "given" or "identity" (projection ignored);
    ``stride_at``: which convolution is strided (1, 2, or 0 for none); ``proj_stride``:
    False runs the projection at stride 1 (the sum then broadcasts or fails, as numpy does).
    """
    s1, s2 = (stride, 1) if stride_at == 1 else (1, stride) if stride_at == 2 else (1, 1)
    h = refs.conv2d(x, w1, b1, s1, padding(w1))
    h = _relu(h) if inner_relu else h
    y = refs.conv2d(h, w2, b2, s2, padding(w2))
    if w_proj is None or shortcut == "identity":
        s = x
    else:
        s = refs.conv2d(x, w_proj, b_proj if proj_bias else None,
                        stride if stride_at and proj_stride else 1, 0)
    if combine == "relu_before":
        return _relu(y) + s
    if combine == "relu_both":
        return _relu(_relu(y) + s)
    if combine == "no_relu":
        return y + s
    if combine == "no_shortcut":
        return _relu(y)
    return _relu(y + s)


def _reference(x, w1, b1, w2, b2, stride=1, w_proj=None, b_proj=None):
    """The block by the engine alone: conv2d with padding (Kh // 2, Kw // 2) and relu."""
    from grader.reference import functional as F

    h = F.relu(F.conv2d(x, w1, b1, stride=stride, padding=_same(w1)))
    y = F.conv2d(h, w2, b2, stride=1, padding=_same(w2))
    s = F.as_tensor(x) if w_proj is None else F.conv2d(x, w_proj, b_proj, stride=stride, padding=0)
    return F.to_numpy(F.relu(y + s))


def _bent(**bend):
    return lambda x, w1, b1, w2, b2, stride=1, w_proj=None, b_proj=None: _block(
        x, w1, b1, w2, b2, stride, w_proj, b_proj, **bend)


MISCONCEPTIONS = (
    # Narrow mistakes first: on a degenerate counterexample (zeros) a broad one may coincide.
    Misconception("projection_ignored", FN,
                  "your block adds x even when w_proj is given; then the shortcut is the 1x1 "
                  "projection conv(x, w_proj, b_proj, stride, 0).", _bent(shortcut="identity")),
    Misconception("projection_without_stride", FN,
                  "your projection shortcut ignores the stride, so it keeps the input's size while the "
                  "residual branch is downsampled; use conv(x, w_proj, b_proj, stride, 0).",
                  _bent(proj_stride=False)),
    Misconception("projection_bias_missing", FN,
                  "your projection shortcut leaves out b_proj; s = conv(x, w_proj, b_proj, stride, 0).",
                  _bent(proj_bias=False)),
    Misconception("second_conv_strided", FN,
                  "your block applies the stride in the second convolution; the first one is "
                  "strided (and the projection), the second always has stride 1.",
                  _bent(stride_at=2)),
    Misconception("stride_ignored", FN,
                  "your block ignores the stride (the output keeps the input's size); the first "
                  "convolution and the projection move by `stride`.", _bent(stride_at=0)),
    Misconception("padding_zero", FN,
                  "your convolutions use no padding, so the residual branch shrinks and no longer "
                  "matches the shortcut; use same padding (Kh // 2, Kw // 2).",
                  _bent(padding=lambda w: 0)),
    Misconception("extra_relu_before_add", FN,
                  "your output applies a relu to the residual branch before adding the shortcut "
                  "(relu(relu(F(x)) + s)); the second convolution's output goes into the sum "
                  "unchanged: relu(F(x) + s).", _bent(combine="relu_both")),
    Misconception("relu_before_add", FN,
                  "your output applies the last relu to the residual branch before the addition "
                  "(relu(F(x)) + s); the relu comes after it: relu(F(x) + s).",
                  _bent(combine="relu_before")),
    Misconception("final_relu_missing", FN,
                  "your output is F(x) + s without the final relu; the block ends with relu(F(x) + s).",
                  _bent(combine="no_relu")),
    Misconception("inner_relu_missing", FN,
                  "your output misses the relu between the two convolutions; F(x) = conv(relu(conv(x))).",
                  _bent(inner_relu=False)),
    Misconception("shortcut_skipped", FN,
                  "your output leaves out the shortcut; a residual block adds s (x or its projection) "
                  "before the final relu.", _bent(combine="no_shortcut")),
)


# --- groups that recognise a crash by the branch shapes ---------------------------------------


def _numpy_shape(shape) -> str:
    """How numpy prints a shape in its broadcasting errors: ``(1,2,3,3)``."""
    return "(" + ",".join(str(int(s)) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _valid_branch_shape(case):
    x, w1, _, w2 = case.args[:4]
    stride = case.kwargs.get("stride", 1)
    (n, _, h, w), f = x.shape, w1.shape[0]
    h1, w1_ = (h - w1.shape[2]) // stride + 1, (w - w1.shape[3]) // stride + 1
    return (n, f, h1 - w2.shape[2] + 1, w1_ - w2.shape[3] + 1)


def _unstrided_projection_shape(case):
    x, w1 = case.args[:2]
    return (x.shape[0], w1.shape[0], x.shape[2], x.shape[3])


def _twin(case):
    """The same geometry with dense values (no zeros, mixed signs): a degenerate shrunk case
    may equal several misconceptions; its twin tells them apart."""
    def dense(i, a):
        if not isinstance(a, np.ndarray):
            return a
        v = fixed_values(1000 + i, a.shape)
        return np.where(v == 0, 0.75, v)
    return Case(tuple(dense(i, a) for i, a in enumerate(case.args)),
                {k: dense(10 + i, a) for i, (k, a) in enumerate(case.kwargs.items())})


def _equals(got, expected):
    return check_output(got, expected, function=FN, tol=TOLERANCE) is None


def _diagnose(case, got, call):
    """The one misconception equal to the student's output on ``case`` and on its twin (None
    when none is, or when several are: the twin cannot tell them apart either)."""
    twin, twin_got, keys = _twin(case), None, []
    for m in MISCONCEPTIONS:
        try:
            if m.reference is None or not _equals(got, m.reference(*case.args, **case.kwargs)):
                continue
            if twin_got is None:
                twin_got = call(FN, *twin.args, **twin.kwargs)
            if _equals(twin_got, m.reference(*twin.args, **twin.kwargs)):
                keys.append(m.key)
        except StudentFailure as exc:
            if exc.fatal:
                raise
            return None
        except Exception:  # the mistaken block does not apply to this geometry
            continue
    return keys[0] if len(keys) == 1 else None


def _prop(crash_key, crash_shape):
    """Compare with the reference like a plain group; when the student's code fails with an
    error naming the shape ``crash_shape(case)`` would give, diagnose ``crash_key``; when
    the output is wrong, name the first catalogued misconception it equals (here and on a
    dense twin of the case)."""
    def prop(case, call):
        expected = _reference(*case.args, **case.kwargs)
        try:
            got = call(FN, *case.args, **case.kwargs)
        except StudentFailure as exc:
            if exc.fatal:
                raise
            shape = crash_shape(case)
            hit = shape != expected.shape and _numpy_shape(shape) in exc.message
            return Failure(exc.message, crash_key if hit else None)
        message = check_output(got, expected, function=FN, tol=TOLERANCE)
        return None if message is None else Failure(message, _diagnose(case, got, call))
    return prop


# --- inputs -------------------------------------------------------------------------------


def _nonzero(shape, scale=0):
    """Arrays without zeros (0 becomes -1/4, times ``2**scale``): shrunk counterexamples stay
    informative, e.g. a shortcut of zeros would hide a missing shortcut, and a positive one the
    relu placement."""
    return values(shape, scale=scale).map(lambda a: np.where(a == 0, -0.25 * 2.0 ** scale, a))


@st.composite
def block_cases(draw, *, batch=(1, 2), channels=(1, 3), size=(1, 12), kernels=(3, 1, 5),
                square=True, projection=False, stride=None, filters=(1, 3), fits_unpadded=False,
                non_square=False, magnitude=0):
    """Cases ``(x, w1, b1, w2, b2[, stride=][, w_proj=, b_proj=])``.

    * ``kernels``: odd kernel sides to draw from (the first is where shrinking goes);
      ``square=False`` draws height and width separately.
    * ``projection``: False gives the identity shortcut (F = C); True adds ``w_proj`` and
      ``b_proj`` with F drawn from ``filters``.
    * ``stride``: a tuple of values to draw from, or None to leave the argument out.
    * ``fits_unpadded``: H and W at least K1 + K2 - 1, so both kernels fit even without
      padding (forgotten padding then shows as mismatched branch shapes).
    * ``non_square``: H != W (else the input is square, H == W).
    * ``magnitude``: wide magnitudes that keep both branches at one scale: x times ``2**e``
      (``0 <= e <= magnitude``), w1 times ``2**e1`` and w2 times ``2**-e1`` (``|e1| <=
      magnitude``), b1 at the first convolution's scale, b2, w_proj and b_proj at x's.
    """
    def kernel():
        kh = draw(st.sampled_from(kernels))
        return (kh, kh) if square else (kh, draw(st.sampled_from(kernels)))

    n, c = draw(st.integers(*batch)), draw(st.integers(*channels))
    f = draw(st.integers(*filters)) if projection else c
    (k1h, k1w), (k2h, k2w) = kernel(), kernel()
    lo_h, lo_w = (k1h + k2h - 1, k1w + k2w - 1) if fits_unpadded else (1, 1)
    h = draw(st.integers(max(size[0], lo_h, lo_w), max(size[1], lo_h, lo_w)))
    if non_square:
        w = draw(st.integers(max(size[0], lo_w), max(size[1], lo_w) - 1))
        w += w >= h
    else:
        w = h
    ex = draw(st.integers(0, magnitude)) if magnitude else 0
    e1 = draw(st.integers(-magnitude, magnitude)) if magnitude else 0
    args = (draw(_nonzero((n, c, h, w), ex)), draw(_nonzero((f, c, k1h, k1w), e1)), draw(values((f,), scale=ex + e1)),
            draw(_nonzero((f, f, k2h, k2w), -e1)), draw(values((f,), scale=ex)))
    kwargs = {}
    if stride is not None:
        kwargs["stride"] = draw(st.sampled_from(stride))
    if projection:
        kwargs["w_proj"] = draw(_nonzero((f, c, 1, 1)))
        kwargs["b_proj"] = draw(values((f,), scale=ex))
    return Case(args, kwargs)


def _fixed(seed, *, n=1, c=2, f=None, h=5, w=5, k1=(3, 3), k2=(3, 3), stride=None):
    """An explicit case; ``f`` given adds a projection shortcut with f filters."""
    filters = c if f is None else f
    args = (fixed_values(seed, (n, c, h, w)), fixed_values(seed + 1, (filters, c, *k1)),
            fixed_values(seed + 2, (filters,)), fixed_values(seed + 3, (filters, filters, *k2)),
            fixed_values(seed + 4, (filters,)))
    kwargs = {} if stride is None else {"stride": stride}
    if f is not None:
        kwargs.update(w_proj=fixed_values(seed + 5, (f, c, 1, 1)), b_proj=fixed_values(seed + 6, (f,)))
    return Case(args, kwargs)


def _group(name, points, description, cases, examples=(), prop=None, **kw):
    return PropertyGroup(name, points, description, FN, cases, examples=tuple(examples), prop=prop,
                         shape_only=name == "shape", **kw)


# Square inputs everywhere but all_at_once: a mistake in one feature costs that feature's
# group(s) and all_at_once.
GROUPS = (
    _group("shape", 1, "Output shape (N, F, (H - 1) // stride + 1, (W - 1) // stride + 1).",
           st.one_of(block_cases(stride=(1,)), block_cases(projection=True, stride=(1, 2)))),
    _group("identity", 2, "Identity shortcut, 3x3 kernels, stride 1: relu(F(x) + x).",
           block_cases(kernels=(3,), stride=(1,)), [_fixed(1, stride=1)]),
    _group("relu_placement", 2, "1x1 kernels (no padding involved): relu between the convolutions and "
           "after the addition only.", block_cases(kernels=(1,), stride=(1,)),
           [_fixed(2, c=1, h=3, w=3, k1=(1, 1), k2=(1, 1), stride=1)]),
    _group("same_padding", 2, "Same padding (Kh // 2, Kw // 2) for 3x3, 5x5 and non-square odd kernels.",
           block_cases(kernels=(3, 5), square=False, size=(5, 12), stride=(1,), fits_unpadded=True),
           [_fixed(3, h=6, w=6, k1=(3, 5), k2=(5, 3), stride=1)],
           prop=_prop("padding_zero", _valid_branch_shape)),
    _group("projection", 2, "Projection shortcut (1x1 convolution with bias), stride 1, C != F allowed.",
           block_cases(projection=True, stride=(1,)), [_fixed(4, c=2, f=3, stride=1)]),
    _group("stride", 3, "Stride 2 with a projection shortcut: the first convolution and the projection "
           "are strided, the second convolution is not.",
           block_cases(projection=True, stride=(2,), size=(2, 12)), [_fixed(5, c=2, f=2, h=7, w=7, stride=2)],
           prop=_prop("projection_without_stride", _unstrided_projection_shape)),
    _group("defaults", 1, "Called with x, w1, b1, w2, b2 only: stride 1 and the identity shortcut.",
           block_cases(), [_fixed(6)]),
    _group("all_at_once", 1, "Everything at once: N, C and F of 4 or 5, H != W, odd non-square "
           "kernels, stride 2, projection shortcut, values of wide magnitudes.",
           block_cases(batch=(4, 5), channels=(4, 5), filters=(4, 5), size=(4, 11), kernels=(3, 1, 5),
                       square=False, projection=True, stride=(2,), non_square=True, magnitude=12),
           [_fixed(7, n=4, c=4, f=5, h=7, w=9, k1=(3, 5), k2=(5, 1), stride=2)]),
)

EXERCISE = CodeExercise(
    name="residual-block",
    title="Residual block (forward pass)",
    summary="numpy residual_block_forward: relu(conv(relu(conv(x))) + shortcut), identity or 1x1 projection",
    version="2",  # 2: square inputs except all_at_once (N, C > 1, F >= 4, H != W, wide magnitudes)
    statement=STATEMENT,
    functions=(Function(FN, "x, w1, b1, w2, b2, stride=1, w_proj=None, b_proj=None", """\
Forward pass of a basic residual block:
relu(conv(relu(conv(x, w1, b1, stride, same)), w2, b2, 1, same) + s).

x: (N, C, H, W); w1: (F, C, K1h, K1w), b1: (F,); w2: (F, F, K2h, K2w), b2: (F,); odd kernels.
s = x when w_proj is None (then F == C, stride == 1), else the 1x1 convolution
conv(x, w_proj, b_proj, stride, 0) with w_proj: (F, C, 1, 1), b_proj: (F,).
"same" padding is (Kh // 2, Kw // 2). Returns (N, F, (H - 1) // stride + 1, (W - 1) // stride + 1).
"""),),
    groups=GROUPS,
    references={FN: _reference},
    misconceptions=MISCONCEPTIONS,
    tolerance=TOLERANCE,
    # Past ~30 shrinking calls hypothesis spends seconds on bookkeeping for little gain.
    shrink_budget=30,
)
