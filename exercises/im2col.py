"""im2col: convolution as a matrix product; im2col cuts the windows out, col2im is its adjoint.

The layout is torch's ``unfold``: ``cols[n, c*KH*KW + u*KW + v, i*WO + j] = x_pad[n, c, i*sh + u,
j*sw + v]``, so ``w.reshape(F, -1) @ cols[n]`` is the convolution of image n. The references
compute both through the engine's own convolution: im2col is the convolution with one-hot
filters (filter ``c*KH*KW + u*KW + v`` picks ``x[c, u, v]`` of its window) and col2im, its
adjoint, the gradient of that convolution with respect to its input.
"""

import numpy as np
from hypothesis import strategies as st

from grader.checker import refs
from grader.checker.spec import Case, CodeExercise, Function, Misconception, PropertyGroup
from grader.checker.strategies import conv_cases, fixed_values, values
from grader.reference.shapes import conv_output_size

IM, COL = "im2col", "col2im"

STATEMENT = """\
# Convolution as a matrix product: im2col and col2im

Write `im2col(x, kh, kw, stride=1, padding=0)` and `col2im(cols, x_shape, kh, kw, stride=1,
padding=0)` in numpy.

* `x`: input of shape `(N, C, H, W)`; `kh`, `kw`: the kernel's height and width (ints).
* `stride` and `padding` are an `int` or a `(height, width)` tuple of ints. Zero padding is
  symmetric; `HO = (H + 2*ph - KH) // sh + 1` (floor division), likewise `WO`; `L = HO * WO`.
* `im2col` returns `cols` of shape `(N, C*KH*KW, L)`, the layout of torch's `unfold`: column
  `i*WO + j` of image n is the window whose top left corner is row `i*sh`, column `j*sw` of the
  padded input, read channel by channel, each patch row by row:
  `cols[n, c*KH*KW + u*KW + v, i*WO + j] = x_pad[n, c, i*sh + u, j*sw + v]`.
  Then `w.reshape(F, -1) @ cols[n]`, reshaped to `(F, HO, WO)`, is the convolution of image n.
* `col2im` is the adjoint (torch's `fold`): `x_shape = (N, C, H, W)`, `cols` as `im2col`
  returns them, and the result `(N, C, H, W)` holds at each pixel the **sum** of every column
  entry that `im2col` would have copied from it; where windows overlap, contributions add up, and
  the padding is cropped away. So `col2im(im2col(x))` is `x` times the number of windows covering
  each pixel, and col2im turns the gradient of the columns into the gradient of `x`.

Graded by properties (shapes, one image and channel, channels and batch, padding, stride,
non-square inputs and kernels, tuple arguments, defaults, col2im's overlapping windows and its
round trip, and everything at once: N and C of 4 or 5, H != W, tuple stride and padding, values of
wide magnitudes); each group holds the features it does not test at their simplest (square
inputs and kernels, stride 1, no padding). Do not import torch, scipy or any library that
already implements them.
"""


# --- references: the engine's convolution with one-hot filters, and its gradient -------------


def _sizes(h, w, kh, kw, stride, padding):
    (sh, sw), (ph, pw) = refs.pair(stride), refs.pair(padding)
    return conv_output_size(h, kh, stride=sh, padding=ph), conv_output_size(w, kw, stride=sw, padding=pw)


def _one_hot_filters(c, kh, kw):
    """Filter ``c*KH*KW + u*KW + v`` is 1 at (c, u, v) and 0 elsewhere: its output is the
    window's entry (c, u, v), so the filters' outputs, in order, are the columns."""
    return np.eye(c * kh * kw).reshape(c * kh * kw, c, kh, kw)


def unfold(x, kh, kw, stride=1, padding=0):
    """im2col: (N, C, H, W) -> (N, C*KH*KW, HO*WO)."""
    n, c = x.shape[:2]
    return refs.conv2d(x, _one_hot_filters(c, kh, kw), None, stride, padding).reshape(n, c * kh * kw, -1)


def fold(cols, x_shape, kh, kw, stride=1, padding=0):
    """col2im: the adjoint of :func:`unfold` (overlapping windows add), as the gradient of the
    one-hot convolution with respect to its input."""
    n, c, h, w = x_shape
    ho, wo = _sizes(h, w, kh, kw, stride, padding)
    dout = np.asarray(cols, dtype=np.float64).reshape(n, c * kh * kw, ho, wo)
    dx, _, _ = refs.conv2d_grads(dout, np.zeros(x_shape), _one_hot_filters(c, kh, kw),
                                 np.zeros(c * kh * kw), stride, padding)
    return dx


# --- misconceptions: the right columns, re-indexed the wrong way -----------------------------


def _per_patch(cols, c, kh, kw):
    """(N, C*KH*KW, L) -> (N, C, KH, KW, L)."""
    return cols.reshape(cols.shape[0], c, kh, kw, cols.shape[-1])


def _patch_transposed(x, kh, kw, stride=1, padding=0):
    """Row c*KH*KW + v*KH + u holds x[c, u, v]: each patch read column by column."""
    n, c = x.shape[:2]
    return _per_patch(unfold(x, kh, kw, stride, padding), c, kh, kw).swapaxes(2, 3).reshape(n, c * kh * kw, -1)


def _channels_last(x, kh, kw, stride=1, padding=0):
    """Row (u*KW + v)*C + c holds x[c, u, v]: position-major, channel-minor."""
    n, c = x.shape[:2]
    patches = _per_patch(unfold(x, kh, kw, stride, padding), c, kh, kw)
    return patches.transpose(0, 2, 3, 1, 4).reshape(n, c * kh * kw, -1)


def _windows_transposed(x, kh, kw, stride=1, padding=0):
    """Column j*HO + i holds window (i, j): the windows walked column by column."""
    n, c, h, w = x.shape
    ho, wo = _sizes(h, w, kh, kw, stride, padding)
    return unfold(x, kh, kw, stride, padding).reshape(n, -1, ho, wo).swapaxes(2, 3).reshape(n, c * kh * kw, -1)


def _ceil_output(x, kh, kw, stride=1, padding=0):
    """Window counts rounded up: the last windows hang over the bottom/right edge (zeros there)."""
    (sh, sw), (ph, pw) = refs.pair(stride), refs.pair(padding)
    h, w = x.shape[2] + 2 * ph, x.shape[3] + 2 * pw
    ho, wo = -(-(h - kh) // sh) + 1, -(-(w - kw) // sw) + 1
    extra_h, extra_w = (ho - 1) * sh + kh - h, (wo - 1) * sw + kw - w
    return unfold(np.pad(x, ((0, 0), (0, 0), (ph, ph + extra_h), (pw, pw + extra_w))), kh, kw, stride, 0)


def _batch_in_columns(x, kh, kw, stride=1, padding=0):
    """CS231n's im2col_indices: one (C*KH*KW, L*N) matrix, column l*N + n."""
    cols = unfold(x, kh, kw, stride, padding)
    return cols.transpose(1, 2, 0).reshape(cols.shape[1], -1)


def _scatter(cols, x_shape, kh, kw, stride=1, padding=0, *, accumulate=True, offset=True):
    """col2im as loops over the windows, with two classic slips as switches: ``accumulate=False``
    overwrites where windows overlap (the last window wins), ``offset=False`` puts window
    (i, j) at row i, column j instead of (i*sh, j*sw)."""
    n, c, h, w = x_shape
    (sh, sw), (ph, pw) = refs.pair(stride), refs.pair(padding)
    ho, wo = _sizes(h, w, kh, kw, stride, padding)
    patches = np.asarray(cols, dtype=np.float64).reshape(n, c, kh, kw, ho, wo)
    if not offset:
        sh = sw = 1
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    for i in range(ho):
        for j in range(wo):
            window = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            if accumulate:
                window += patches[..., i, j]
            else:
                window[...] = patches[..., i, j]
    return xp[:, :, ph:ph + h, pw:pw + w]


def _padded_fold(cols, x_shape, kh, kw, stride=1, padding=0):
    """col2im onto the padded image, padding not cropped."""
    (ph, pw) = refs.pair(padding)
    n, c, h, w = x_shape
    return fold(cols, (n, c, h + 2 * ph, w + 2 * pw), kh, kw, stride, 0)


def _col2im_patch_transposed(cols, x_shape, kh, kw, stride=1, padding=0):
    """Reads row c*KH*KW + v*KH + u as the patch entry (u, v)."""
    n, c = x_shape[:2]
    cols = np.asarray(cols, dtype=np.float64)
    reread = cols.reshape(n, c, kw, kh, -1).swapaxes(2, 3).reshape(cols.shape)
    return fold(reread, x_shape, kh, kw, stride, padding)


MISCONCEPTIONS = (
    Misconception("im2col_patch_transposed", IM, "your columns read each patch column by column "
                  "(row c*KH*KW + v*KH + u holds x_pad[n, c, i*sh + u, j*sw + v]); a patch is read row by "
                  "row, as torch's unfold does: row c*KH*KW + u*KW + v.", _patch_transposed),
    Misconception("im2col_channels_last", IM, "your rows put the channel last (row (u*KW + v)*C + c); "
                  "the layout is channel-major, as torch's unfold: row c*KH*KW + u*KW + v, the whole "
                  "patch of channel 0 first, then channel 1's.", _channels_last),
    Misconception("im2col_windows_transposed", IM, "your columns walk the windows column by column "
                  "(column j*HO + i); windows go row by row: window (i, j) is column i*WO + j.",
                  _windows_transposed),
    Misconception("im2col_padding_ignored", IM, "your columns ignore the padding argument; pad the "
                  "input with zeros (padding rows on top and bottom, columns on left and right) before "
                  "cutting the windows.",
                  lambda x, kh, kw, stride=1, padding=0: unfold(x, kh, kw, stride, 0)),
    Misconception("im2col_stride_ignored", IM, "your columns ignore the stride (the window slides by "
                  "1); window (i, j) starts at row i*sh, column j*sw, and HO = (H + 2*ph - KH) // sh + 1.",
                  lambda x, kh, kw, stride=1, padding=0: unfold(x, kh, kw, 1, padding)),
    Misconception("im2col_ceil_output", IM, "your columns count the windows rounding up (ceil); "
                  "HO = (H + 2*ph - KH) // sh + 1 uses floor division: a window never leaves the padded "
                  "input.", _ceil_output),
    Misconception("im2col_batch_in_columns", IM, "your output is one (C*KH*KW, L*N) matrix with the "
                  "images interleaved in its columns (CS231n's im2col_indices); here the batch stays the "
                  "first axis: cols has shape (N, C*KH*KW, L), as torch's unfold.", _batch_in_columns),
    Misconception("col2im_overwrite", COL, "where windows overlap your col2im keeps only the last "
                  "window's value; col2im is the adjoint of im2col, so the contributions of overlapping "
                  "windows add up (+=, not =).",
                  lambda cols, s, kh, kw, stride=1, padding=0: _scatter(cols, s, kh, kw, stride, padding,
                                                                       accumulate=False)),
    Misconception("col2im_window_not_offset", COL, "your col2im puts the window of column i*WO + j at "
                  "row i, column j; it starts at row i*sh, column j*sw (the window moves by the stride).",
                  lambda cols, s, kh, kw, stride=1, padding=0: _scatter(cols, s, kh, kw, stride, padding,
                                                                       offset=False)),
    Misconception("col2im_padding_not_cropped", COL, "your col2im returns the padded image; crop the "
                  "padding away and return x_shape = (N, C, H, W).", _padded_fold),
    Misconception("col2im_crop_wrong_side", COL, "your col2im crops the padding from the bottom and "
                  "right only; the padding is on both sides: keep rows ph to ph + H and columns pw to pw + W "
                  "of the padded image.",
                  lambda cols, s, kh, kw, stride=1, padding=0: _padded_fold(cols, s, kh, kw, stride, padding)
                  [:, :, :s[2], :s[3]]),
    Misconception("col2im_patch_transposed", COL, "your col2im reads each patch column by column (row "
                  "c*KH*KW + v*KH + u as the entry (u, v)); im2col writes it row by row: row "
                  "c*KH*KW + u*KW + v.", _col2im_patch_transposed),
)


# --- cases: the geometry of conv_cases (one filter: only x and the kernel's sides are used) ----


def _im2col_case(conv: Case) -> Case:
    x, w = conv.args[:2]
    return Case((x, *w.shape[2:]), conv.kwargs)


def _cases(function: str, *, round_trip: bool = False, **bounds):
    """Cases ``(x, kh, kw[, stride=][, padding=])`` for im2col or ``(cols, x_shape, kh, kw, ...)``
    for col2im (the columns drawn, or with ``round_trip`` the columns of the drawn image)."""
    conv = conv_cases(filters=(1, 1), bias=False, **bounds)
    if function == IM:
        return conv.map(_im2col_case)
    return _columns(conv, magnitude=bounds.get("magnitude", 0), round_trip=round_trip)


@st.composite
def _columns(draw, conv, *, magnitude: int, round_trip: bool):
    case = draw(conv)
    x, w = case.args[:2]
    kh, kw = w.shape[2:]
    if round_trip:
        cols = unfold(x, kh, kw, **case.kwargs)
    else:
        ho, wo = _sizes(*x.shape[2:], kh, kw, case.kwargs.get("stride", 1), case.kwargs.get("padding", 0))
        scale = draw(st.integers(-magnitude, magnitude)) if magnitude else 0
        cols = draw(values((x.shape[0], x.shape[1] * kh * kw, ho * wo), scale=scale))
    return Case((cols, tuple(x.shape), kh, kw), case.kwargs)


def _fixed(seed, function, *, n, c, h, w, kh, kw, stride=None, padding=None, scale=0):
    """An explicit case with deterministic values (see :func:`_cases`)."""
    kwargs = {k: v for k, v in (("stride", stride), ("padding", padding)) if v is not None}
    if function == IM:
        return Case((fixed_values(seed, (n, c, h, w), scale=scale), kh, kw), kwargs)
    ho, wo = _sizes(h, w, kh, kw, stride or 1, padding or 0)
    return Case((fixed_values(seed, (n, c * kh * kw, ho * wo), scale=scale), (n, c, h, w), kh, kw), kwargs)


_BOUNDS = dict(stride=(1, 1), padding=(0, 0))  # pass stride=1, padding=0 explicitly
#: Everything at once: N and C of 4 or 5, H != W, non-square kernels, tuple stride (2 or 3) and
#: padding (1 or 2), at least 4x4 windows, wide magnitudes.
_ALL = dict(batch=(4, 5), channels=(4, 5), size=(1, 12), kernel=(1, 4), stride=(2, 3), padding=(1, 2),
            tuple_args=True, sides="non_square", magnitude=10, min_output=4)


def _group(function, name, points, description, examples=(), *, round_trip=False, defaults=False,
           **bounds):
    """``defaults``: leave stride and padding out of the call (else they are passed, 1 and 0
    unless the group draws them)."""
    spec = bounds if defaults else {**_BOUNDS, **bounds}
    return PropertyGroup(f"{function}_{name}", points, description, function,
                         _cases(function, round_trip=round_trip, **spec), examples=tuple(examples),
                         shape_only=name == "shape")


def _groups(function, shape):
    """The same features for both functions (``shape``: what the function returns)."""
    overlap = " (where windows overlap, their contributions add up)" if function == COL else ""

    def fixed(seed, **geometry):
        return _fixed(seed, function, **geometry)

    return (
        _group(function, "shape", 1, f"{function}: the shape {shape} for any geometry.", batch=(1, 3),
               channels=(1, 3), stride=(1, 3), padding=(0, 2), tuple_args=True, sides="any"),
        _group(function, "patches", 2, f"{function}: one image, one channel, square kernels, stride 1, no "
               f"padding{overlap}.",
               [fixed(31, n=1, c=1, h=5, w=5, kh=3, kw=3, stride=1, padding=0)], size=(1, 8)),
        _group(function, "channels_batch", 2, f"{function}: several channels (channel-major rows) and images.",
               [fixed(32, n=2, c=3, h=4, w=4, kh=2, kw=2, stride=1, padding=0)],
               batch=(2, 4), channels=(2, 4), size=(1, 7), kernel=(2, 3)),
        _group(function, "padding", 2, f"{function}: symmetric zero padding given as an int.",
               [fixed(33, n=1, c=1, h=4, w=4, kh=3, kw=3, stride=1, padding=1)], padding=(1, 3), kernel=(1, 4)),
        _group(function, "stride", 2, f"{function}: stride given as an int, including strides larger than "
               "the kernel.", [fixed(34, n=1, c=1, h=9, w=9, kh=2, kw=2, stride=3, padding=0)],
               stride=(2, 4), kernel=(1, 4)),
        _group(function, "non_square", 2, f"{function}: non-square inputs (H != W) and kernels (KH and KW "
               "kept apart).", [fixed(35, n=1, c=1, h=4, w=7, kh=2, kw=3, stride=1, padding=0)],
               kernel=(1, 4), sides="non_square"),
        _group(function, "tuple_args", 1, f"{function}: stride and padding given as (height, width) tuples.",
               [fixed(36, n=1, c=1, h=7, w=7, kh=3, kw=3, stride=(2, 1), padding=(0, 1))],
               stride=(1, 3), padding=(0, 2), tuple_args=True, kernel=(1, 4)),
        _group(function, "defaults", 1, f"{function}, called without stride and padding: stride 1, no padding.",
               [fixed(37, n=1, c=1, h=5, w=5, kh=3, kw=3)], defaults=True, kernel=(1, 4)),
        _group(function, "all_at_once", 2, f"{function}, everything at once: N and C of 4 or 5, H != W, tuple "
               "stride (2 or 3) and padding (1 or 2), at least 4x4 windows, values of wide magnitudes (up to "
               "2**10).", [fixed(38, n=4, c=4, h=11, w=12, kh=3, kw=2, stride=(2, 3), padding=(1, 2), scale=8)],
               **_ALL),
    )


GROUPS = (
    *_groups(IM, "(N, C*KH*KW, L)"),
    *_groups(COL, "(N, C, H, W)"),
    _group(COL, "round_trip", 1, "col2im(im2col(x)) is x times the number of windows covering each "
           "pixel (with stride and padding).", round_trip=True, stride=(1, 3), padding=(0, 2), kernel=(1, 4)),
)

EXERCISE = CodeExercise(
    name="im2col",
    title="Convolution as a matrix product: im2col and col2im",
    summary="numpy im2col(x, kh, kw, stride, padding) -> (N, C*KH*KW, L) columns, col2im its adjoint",
    version="1",
    statement=STATEMENT,
    functions=(
        Function(IM, "x, kh, kw, stride=1, padding=0", """\
The windows of x as columns (the layout of torch's unfold).

x: (N, C, H, W); kh, kw: kernel height and width; stride, padding: int or (height, width).
Returns cols: (N, C*KH*KW, HO*WO) with cols[n, c*KH*KW + u*KW + v, i*WO + j] =
x_pad[n, c, i*sh + u, j*sw + v] and HO = (H + 2*ph - KH) // sh + 1, likewise WO.
"""),
        Function(COL, "cols, x_shape, kh, kw, stride=1, padding=0", """\
The adjoint of im2col (torch's fold): columns back to an image, overlapping windows added.

cols: (N, C*KH*KW, HO*WO) as im2col returns them; x_shape: (N, C, H, W);
kh, kw, stride, padding as in im2col. Returns (N, C, H, W), the padding cropped away.
"""),
    ),
    groups=GROUPS,
    references={IM: unfold, COL: fold},
    misconceptions=MISCONCEPTIONS,
)
