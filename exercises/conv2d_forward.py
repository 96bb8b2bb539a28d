"""conv2d-forward: the forward pass of a 2-D convolutional layer in numpy.

The exemplar code exercise: one module holds the statement, the signature, the weighted
property groups (each isolates one feature), the explicit edge cases and the catalogue of
misconceptions written as alternative references.
"""

import numpy as np

from grader.checker import refs
from grader.checker.spec import CodeExercise, Function, Misconception, PropertyGroup
from grader.checker.strategies import conv_cases, fixed_conv_case

FN = "conv2d_forward"

STATEMENT = """\
# Convolution forward pass

Write `conv2d_forward(x, w, b, stride=1, padding=0)` in numpy.

* `x`: input of shape `(N, C, H, W)`; `w`: filters of shape `(F, C, KH, KW)`; `b`: biases `(F,)`.
* `stride` and `padding` are an `int` or a `(height, width)` tuple of ints.
* Zero padding is added symmetrically: `padding` rows on top *and* bottom, columns left *and* right.
* The output has shape `(N, F, HO, WO)` with `HO = (H + 2*ph - KH) // sh + 1` (floor division),
  likewise `WO`.
* "Convolution" means cross-correlation, as in PyTorch: the kernel is **not** flipped:
  `out[n, f, i, j] = b[f] + sum over c, u, v of x_pad[n, c, i*sh + u, j*sw + v] * w[f, c, u, v]`.

Graded by properties (shape, sliding window, bias, channels, batch, padding, stride, non-square
inputs, 1x1 kernels, defaults, and everything at once: N, C, F >= 4, H != W, tuple stride and
padding > 1, values of wide magnitudes); each group holds the features it does not test at their
simplest (square inputs, stride 1, no padding). A correct float32 implementation passes too. Do
not import torch, scipy or any library that already implements convolution.
"""

_BOUNDS = dict(stride=(1, 1), padding=(0, 0))  # pass stride=1, padding=0 explicitly


def _ceil_output(x, w, b, stride=1, padding=0):
    """Output size rounded up: the last windows hang over the bottom/right edge (zeros there)."""
    (sh, sw), (ph, pw) = refs.pair(stride), refs.pair(padding)
    kh, kw = w.shape[2:]
    h, w_ = x.shape[2] + 2 * ph, x.shape[3] + 2 * pw
    ho, wo = -(-(h - kh) // sh) + 1, -(-(w_ - kw) // sw) + 1
    extra_h, extra_w = (ho - 1) * sh + kh - h, (wo - 1) * sw + kw - w_
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph + extra_h), (pw, pw + extra_w)))
    return refs.conv2d(xp, w, b, stride, 0)


def _one_side(x, w, b, stride=1, padding=0):
    ph, pw = refs.pair(padding)
    return refs.conv2d(np.pad(x, ((0, 0), (0, 0), (ph, 0), (pw, 0))), w, b, stride, 0)


def _first_entry(v):
    """A tuple argument read as its first entry for both axes: (2, 1) -> (2, 2)."""
    first = refs.pair(v)[0]
    return (first, first)


def _reshaped_filter_major(x, w, b, stride=1, padding=0):
    """im2col's (F, N*HO*WO) product (filters times columns) reshaped straight to
    (N, F, HO, WO): right only when N == 1 or F == 1."""
    out = refs.conv2d(x, w, b, stride, padding)
    return out.transpose(1, 0, 2, 3).reshape(out.shape)


def _reshaped_filter_minor(x, w, b, stride=1, padding=0):
    """im2col's (N*HO*WO, F) product (columns times filters) reshaped straight to
    (N, F, HO, WO): right only when F == 1 or HO * WO == 1."""
    out = refs.conv2d(x, w, b, stride, padding)
    return out.transpose(0, 2, 3, 1).reshape(out.shape)


MISCONCEPTIONS = (
    Misconception("flipped_kernel", FN,
                  "your output equals a true convolution with the flipped kernel; the layer computes "
                  "cross-correlation (do not flip w).",
                  lambda x, w, b, stride=1, padding=0: refs.conv2d(x, w[:, :, ::-1, ::-1], b, stride, padding)),
    Misconception("bias_missing", FN, "your output equals the result without the bias; add b[f] to "
                  "every output position of filter f.",
                  lambda x, w, b, stride=1, padding=0: refs.conv2d(x, w, None, stride, padding)),
    Misconception("bias_per_channel", FN, "your output adds the bias once per input channel; add "
                  "b[f] once, after summing over the channels.",
                  lambda x, w, b, stride=1, padding=0: refs.conv2d(x, w, b * x.shape[1], stride, padding)),
    Misconception("last_channel_only", FN, "your output uses only the last input channel; the "
                  "products must be summed over all C channels (accumulate with +=, do not overwrite).",
                  lambda x, w, b, stride=1, padding=0: refs.conv2d(x[:, -1:], w[:, -1:], b, stride, padding)),
    Misconception("padding_ignored", FN, "your output ignores the padding argument; pad the input "
                  "with zeros before sliding the kernel.",
                  lambda x, w, b, stride=1, padding=0: refs.conv2d(x, w, b, stride, 0)),
    Misconception("output_one_short", FN, "your output is one row and one column short; the output "
                  "size is HO = (H + 2*ph - KH) // sh + 1 (count the first window too).",
                  lambda x, w, b, stride=1, padding=0: refs.conv2d(x, w, b, stride, padding)[:, :, :-1, :-1]),
    Misconception("padding_one_side", FN, "your output pads only the top and left; zero padding is "
                  "symmetric (padding rows on top and bottom, columns on left and right).", _one_side),
    Misconception("padding_swapped", FN, "your output swaps the height and width entries of "
                  "padding; padding=(ph, pw) pads ph rows and pw columns.",
                  lambda x, w, b, stride=1, padding=0: refs.conv2d(x, w, b, stride, refs.pair(padding)[::-1])),
    Misconception("stride_ignored", FN, "your output ignores the stride (it slides by 1); move the "
                  "window by sh rows and sw columns.",
                  lambda x, w, b, stride=1, padding=0: refs.conv2d(x, w, b, 1, padding)),
    Misconception("stride_swapped", FN, "your output swaps the height and width entries of stride; "
                  "stride=(sh, sw) moves sh rows and sw columns.",
                  lambda x, w, b, stride=1, padding=0: refs.conv2d(x, w, b, refs.pair(stride)[::-1], padding)),
    Misconception("ceil_output", FN, "your output size rounds up (ceil); the output size uses floor "
                  "division: HO = (H + 2*ph - KH) // sh + 1, and windows never leave the padded input.",
                  _ceil_output),
    Misconception("kernel_transposed", FN, "your output uses the kernel transposed (w[..., v, u]); "
                  "the kernel's third axis is its height and the fourth its width.",
                  lambda x, w, b, stride=1, padding=0: refs.conv2d(x, w.swapaxes(2, 3), b, stride, padding)),
    Misconception("output_transposed", FN, "your output has height and width swapped; return "
                  "shape (N, F, HO, WO).",
                  lambda x, w, b, stride=1, padding=0: refs.conv2d(x, w, b, stride, padding).swapaxes(2, 3)),
    Misconception("padding_first_entry", FN, "your output uses only the first entry of the padding "
                  "tuple (ph for both axes); padding=(ph, pw) pads ph rows on top and bottom and pw "
                  "columns on the left and right.",
                  lambda x, w, b, stride=1, padding=0: refs.conv2d(x, w, b, stride, _first_entry(padding))),
    Misconception("stride_first_entry", FN, "your output uses only the first entry of the stride "
                  "tuple (sh for both axes); stride=(sh, sw) moves sh rows and sw columns.",
                  lambda x, w, b, stride=1, padding=0: refs.conv2d(x, w, b, _first_entry(stride), padding)),
    Misconception("reshaped_filter_major", FN, "your output has the right numbers in the wrong "
                  "places when there are several images and several filters: the (F, N*HO*WO) product "
                  "of im2col was reshaped straight to (N, F, HO, WO); reshape it to (F, N, HO, WO), then "
                  "transpose to (N, F, HO, WO).", _reshaped_filter_major),
    Misconception("reshaped_filter_minor", FN, "your output has the right numbers in the wrong "
                  "places when there are several filters: the (N*HO*WO, F) product of im2col was "
                  "reshaped straight to (N, F, HO, WO); reshape it to (N, HO, WO, F), then transpose to "
                  "(N, F, HO, WO).", _reshaped_filter_minor),
)


def _group(name, points, description, examples=(), **bounds):
    return PropertyGroup(name, points, description, FN, conv_cases(**{**_BOUNDS, **bounds}),
                         examples=tuple(examples), shape_only=name == "shape")


# Each group draws square inputs and kernels, stride 1 and no padding unless its own feature
# is one of those: a mistake in one feature costs that feature's group(s) and all_at_once.
GROUPS = (
    _group("shape", 1, "Output shape (N, F, HO, WO) for any geometry.",
           batch=(1, 3), channels=(1, 3), filters=(1, 3), stride=(1, 3), padding=(0, 2), tuple_args=True,
           sides="any"),
    _group("single_channel", 2, "Sliding window: one image, one channel, one filter, zero bias.",
           [fixed_conv_case(1, n=1, c=1, f=1, h=5, w=5, kh=3, kw=3, stride=1, padding=0)], bias=False,
           size=(1, 8)),
    _group("bias", 2, "The bias of each filter is added once to every output position.",
           filters=(1, 3), kernel=(1, 3)),
    _group("channels_filters", 2, "Several input channels and several filters (up to 4 and 5).",
           [fixed_conv_case(2, n=1, c=3, f=5, h=6, w=6, kh=3, kw=3, stride=1, padding=0)],
           channels=(2, 4), filters=(2, 5), size=(1, 8), kernel=(1, 3)),
    _group("batch", 1, "Every image of the batch is convolved independently.",
           batch=(2, 4), channels=(1, 2), size=(1, 8), kernel=(1, 3)),
    _group("padding", 2, "Symmetric zero padding given as an int.",
           [fixed_conv_case(3, n=1, c=1, f=1, h=5, w=5, kh=3, kw=3, stride=1, padding=1)],
           padding=(1, 3), kernel=(1, 4)),
    _group("padding_tuple", 1, "Padding given as a (height, width) tuple.",
           [fixed_conv_case(4, n=1, c=1, f=1, h=5, w=5, kh=3, kw=3, stride=(1, 1), padding=(2, 1))],
           padding=(0, 2), tuple_args=True, kernel=(1, 4)),
    _group("stride", 2, "Stride given as an int, including strides larger than the kernel.",
           [fixed_conv_case(5, n=1, c=1, f=1, h=9, w=9, kh=2, kw=2, stride=3, padding=0)],
           stride=(2, 4), kernel=(1, 4)),
    _group("stride_tuple", 1, "Stride given as a (height, width) tuple.",
           [fixed_conv_case(6, n=1, c=1, f=1, h=9, w=9, kh=3, kw=3, stride=(2, 3), padding=(0, 0))],
           stride=(1, 3), tuple_args=True, kernel=(1, 4)),
    _group("non_square", 2, "Non-square inputs (H != W) and kernels (height and width kept apart).",
           [fixed_conv_case(7, n=1, c=2, f=1, h=4, w=7, kh=2, kw=3, stride=1, padding=0)],
           channels=(1, 2), kernel=(1, 4), sides="non_square"),
    _group("kernel_1x1", 1, "1x1 kernels: a per-pixel mix of the channels.",
           channels=(1, 3), filters=(1, 3), kernel=(1, 1)),
    PropertyGroup("defaults", 1, "Called without stride and padding: stride 1, no padding.", FN,
                  conv_cases(channels=(1, 2), kernel=(1, 4)),
                  examples=(fixed_conv_case(8, n=1, c=1, f=1, h=5, w=5, kh=3, kw=3),)),
    _group("all_at_once", 2, "Everything at once: N, C, F of 4 or 5, H != W, at least 4x4 outputs, "
           "tuple stride (2 or 3) and padding (1 or 2), values of wide magnitudes (up to 2**20).",
           [fixed_conv_case(9, n=4, c=4, f=4, h=11, w=12, kh=3, kw=2, stride=(2, 3), padding=(1, 2),
                            scales=(8, 6, 0))],
           batch=(4, 5), channels=(4, 5), filters=(4, 5), size=(1, 12), kernel=(1, 4), stride=(2, 3),
           padding=(1, 2), tuple_args=True, sides="non_square", magnitude=10, min_output=4),
)

EXERCISE = CodeExercise(
    name="conv2d-forward",
    title="Convolution forward pass",
    summary="numpy conv2d_forward(x, w, b, stride, padding): cross-correlation with padding and stride",
    version="2",  # 2: scoped groups (square unless non-square), all_at_once, wider values, new misconceptions
    statement=STATEMENT,
    functions=(Function(FN, "x, w, b, stride=1, padding=0", """\
Forward pass of a 2-D convolution (cross-correlation, as in PyTorch).

x: (N, C, H, W) input; w: (F, C, KH, KW) filters; b: (F,) biases.
stride, padding: int or (height, width) tuple; zero padding on both sides.
Returns out: (N, F, HO, WO) with HO = (H + 2*ph - KH) // sh + 1, likewise WO.
"""),),
    groups=GROUPS,
    references={FN: refs.conv2d},
    misconceptions=MISCONCEPTIONS,
)
