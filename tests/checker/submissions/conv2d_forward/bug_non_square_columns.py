# cnngrade exercise: conv2d-forward
"""Buggy (written fresh): the column loop runs over range(HO) instead of range(WO), so only
non-square outputs go wrong (zeros in the last columns, or an IndexError): inputs with H != W,
or tuple stride or padding with two different entries."""
# expect: silent
# loses: non_square all_at_once shape padding_tuple stride_tuple
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = stride if isinstance(stride, tuple) else (stride, stride)
    ph, pw = padding if isinstance(padding, tuple) else (padding, padding)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    HO, WO = (H + 2 * ph - KH) // sh + 1, (W + 2 * pw - KW) // sw + 1
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((N, F, HO, WO))
    for i in range(HO):
        for j in range(HO):
            win = xp[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
            out[:, :, i, j] = np.tensordot(win, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out
