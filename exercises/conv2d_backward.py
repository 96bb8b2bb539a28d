"""conv2d-backward: the gradients of a 2-D convolutional layer in numpy."""

import numpy as np

from grader.checker import refs
from grader.checker.spec import CodeExercise, Function, Misconception, PropertyGroup
from grader.checker.strategies import conv_cases, fixed_conv_case

FN = "conv2d_backward"

STATEMENT = """\
# Convolution backward pass

Write `conv2d_backward(dout, x, w, b, stride=1, padding=0)` in numpy; it returns the tuple
`(dx, dw, db)` of gradients of the layer of `conv2d_forward` (cross-correlation, symmetric zero
padding, floor output size) given the upstream gradient `dout` of shape `(N, F, HO, WO)`.

* `dx` has the shape of `x` `(N, C, H, W)`, `dw` of `w` `(F, C, KH, KW)`, `db` of `b` `(F,)`.
* `stride` and `padding` are an `int` or a `(height, width)` tuple.
* Gradients are sums over the batch (not means).

Graded by properties, each gradient separately: shapes, db, dw and dx on one channel, several
channels / filters / images, padding, stride, non-square inputs, default arguments, and
everything at once (N, C, F >= 4, H != W, tuple stride and padding > 1, values of wide
magnitudes); each group holds the features it does not test at their simplest.
"""

_BOUNDS = dict(stride=(1, 1), padding=(0, 0))


def _replace(grads, index, value):
    out = list(grads)
    out[index] = value
    return tuple(out)


def _padded_grads(dout, x, w, b, stride, padding):
    ph, pw = refs.pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    return refs.conv2d_grads(dout, xp, w, b, stride, 0)[0]


def _dx_not_flipped(dout, x, w, b, stride=1, padding=0):
    flipped = refs.conv2d_grads(dout, x, w[:, :, ::-1, ::-1], b, stride, padding)[0]
    return _replace(refs.conv2d_grads(dout, x, w, b, stride, padding), 0, flipped)


def _dx_not_cropped(dout, x, w, b, stride=1, padding=0):
    return _replace(refs.conv2d_grads(dout, x, w, b, stride, padding), 0,
                    _padded_grads(dout, x, w, b, stride, padding))


def _dx_crop_top_left(dout, x, w, b, stride=1, padding=0):
    H, W = x.shape[2:]
    return _replace(refs.conv2d_grads(dout, x, w, b, stride, padding), 0,
                    _padded_grads(dout, x, w, b, stride, padding)[:, :, :H, :W])


def _changed(index, change):
    def alternative(dout, x, w, b, stride=1, padding=0):
        grads = refs.conv2d_grads(dout, x, w, b, stride, padding)
        return _replace(grads, index, change(grads[index], dout))
    return alternative


MISCONCEPTIONS = (
    Misconception("dx_kernel_not_flipped", FN, "your dx uses the kernel without rotating it by 180 "
                  "degrees; dx is the full convolution of dout with the flipped kernel (or scatter "
                  "w[f] * dout[n, f, i, j] back onto each window).", _dx_not_flipped),
    Misconception("dx_padding_not_cropped", FN, "your dx is the gradient of the padded input; crop "
                  "the padding away so dx has the shape of x.", _dx_not_cropped),
    Misconception("dx_crop_wrong_side", FN, "your dx crops the padded gradient at the top-left "
                  "corner; remove ph rows and pw columns on each side: dx_pad[:, :, ph:ph+H, pw:pw+W].",
                  _dx_crop_top_left),
    Misconception("dw_flipped", FN, "your dw is rotated by 180 degrees; dw[f, c, u, v] sums "
                  "x_pad[n, c, i*sh + u, j*sw + v] * dout[n, f, i, j] (correlate x with dout, no flip).",
                  _changed(1, lambda dw, dout: dw[:, :, ::-1, ::-1])),
    Misconception("dw_mean_over_batch", FN, "your dw is averaged over the batch; gradients are sums "
                  "over the batch.", _changed(1, lambda dw, dout: dw / dout.shape[0])),
    Misconception("db_mean_over_batch", FN, "your db is averaged over the batch; db sums dout over "
                  "the batch and all positions.", _changed(2, lambda db, dout: db / dout.shape[0])),
    Misconception("db_mean", FN, "your db is the mean of dout; db is its sum over the batch and all "
                  "positions: dout.sum(axis=(0, 2, 3)).", _changed(2, lambda db, dout: dout.mean(axis=(0, 2, 3)))),
    Misconception("db_first_image", FN, "your db uses only the first image of the batch; sum over "
                  "the batch too.", _changed(2, lambda db, dout: dout[0].sum(axis=(1, 2)))),
)


def _group(name, points, description, outputs, examples=(), **bounds):
    return PropertyGroup(name, points, description, FN, conv_cases(dout=True, **{**_BOUNDS, **bounds}),
                         examples=tuple(examples), outputs=outputs, shape_only=name == "shapes")


# Each group draws square inputs and kernels, stride 1 and no padding unless its own feature
# is one of those: a mistake in one feature costs that feature's group(s) and all_at_once.
GROUPS = (
    _group("shapes", 1, "Returns (dx, dw, db) shaped like x, w and b.", None,
           batch=(1, 2), channels=(1, 3), filters=(1, 3), stride=(1, 3), padding=(0, 2), tuple_args=True,
           sides="any"),
    _group("db", 2, "db: dout summed over the batch and all positions.", ("db",),
           [fixed_conv_case(11, n=2, c=1, f=2, h=4, w=4, kh=2, kw=2, stride=1, padding=0, dout=True)],
           batch=(1, 3), filters=(1, 3), kernel=(1, 3)),
    _group("dw_single_channel", 3, "dw on one image, one channel, one filter.", ("dw",),
           [fixed_conv_case(12, n=1, c=1, f=1, h=5, w=5, kh=3, kw=3, stride=1, padding=0, dout=True)]),
    _group("dx_single_channel", 3, "dx on one image, one channel, one filter.", ("dx",),
           [fixed_conv_case(13, n=1, c=1, f=1, h=5, w=5, kh=3, kw=3, stride=1, padding=0, dout=True)]),
    _group("channels_batch", 2, "dx and dw with several images, channels and filters (up to 3, 4, 5).",
           ("dx", "dw"),
           [fixed_conv_case(14, n=2, c=3, f=5, h=5, w=5, kh=3, kw=3, stride=1, padding=0, dout=True)],
           batch=(2, 3), channels=(2, 4), filters=(2, 5), size=(1, 8), kernel=(1, 3)),
    _group("padding", 2, "dx and dw with zero padding (int and tuple).", ("dx", "dw"),
           # The drawn cases pass tuples; the int form is the second example.
           [fixed_conv_case(15, n=1, c=1, f=1, h=5, w=5, kh=3, kw=3, stride=1, padding=(1, 2), dout=True),
            fixed_conv_case(18, n=1, c=1, f=1, h=4, w=4, kh=3, kw=3, stride=1, padding=1, dout=True)],
           padding=(1, 2), tuple_args=True, kernel=(1, 4)),
    _group("stride", 2, "dx and dw with stride (int and tuple, also larger than the kernel).", ("dx", "dw"),
           [fixed_conv_case(16, n=1, c=1, f=1, h=9, w=9, kh=2, kw=2, stride=(3, 2), padding=0, dout=True),
            fixed_conv_case(19, n=1, c=1, f=1, h=7, w=7, kh=3, kw=3, stride=2, padding=0, dout=True)],
           stride=(2, 4), tuple_args=True, kernel=(1, 4)),
    _group("non_square", 1, "dx and dw with non-square inputs (H != W) and kernels.", ("dx", "dw"),
           [fixed_conv_case(20, n=1, c=1, f=1, h=4, w=7, kh=2, kw=3, stride=1, padding=0, dout=True)],
           kernel=(1, 4), sides="non_square"),
    PropertyGroup("defaults", 2, "Called without stride and padding: stride 1, no padding.", FN,
                  conv_cases(dout=True, channels=(1, 2), kernel=(1, 4)),
                  examples=(fixed_conv_case(17, n=1, c=1, f=1, h=5, w=5, kh=3, kw=3, dout=True),)),
    _group("all_at_once", 2, "Everything at once, all three gradients: N, C, F of 4 or 5, H != W, at "
           "least 4x4 outputs, tuple stride (2 or 3) and padding (1 or 2), values of wide magnitudes.", None,
           [fixed_conv_case(21, n=4, c=4, f=4, h=11, w=12, kh=3, kw=2, stride=(2, 3), padding=(1, 2),
                            dout=True, scales=(7, -3, 4))],
           batch=(4, 5), channels=(4, 5), filters=(4, 5), size=(1, 12), kernel=(1, 4), stride=(2, 3),
           padding=(1, 2), tuple_args=True, sides="non_square", magnitude=10, min_output=4),
)

EXERCISE = CodeExercise(
    name="conv2d-backward",
    title="Convolution backward pass",
    summary="numpy conv2d_backward(dout, x, w, b, stride, padding) -> (dx, dw, db)",
    version="3",  # 3: scoped groups (square unless non-square), non_square, all_at_once, wider values
    statement=STATEMENT,
    functions=(Function(FN, "dout, x, w, b, stride=1, padding=0", """\
Backward pass of a 2-D convolution (the layer of conv2d_forward).

dout: (N, F, HO, WO) upstream gradient; x: (N, C, H, W); w: (F, C, KH, KW); b: (F,).
stride, padding: int or (height, width) tuple, as in the forward pass.
Returns (dx, dw, db) shaped like x, w and b.
""", returns=("dx", "dw", "db")),),
    groups=GROUPS,
    references={FN: refs.conv2d_grads},
    misconceptions=MISCONCEPTIONS,
)
