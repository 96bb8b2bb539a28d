# cnngrade exercise: residual-block
"""Buggy (written fresh): "same" padding taken from the kernel height for both axes,
(Kh // 2, Kh // 2); right for square kernels, the branches no longer match otherwise."""
# expect: silent
# fails: same_padding
import numpy as np


def _conv(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    HO = (H + 2 * pad - KH) // stride + 1
    WO = (W + 2 * pad - KW) // stride + 1
    out = np.empty((N, F, HO, WO))
    for i in range(HO):
        for j in range(WO):
            win = xp[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            out[:, :, i, j] = np.tensordot(win, w, axes=([1, 2, 3], [1, 2, 3]))
    return out if b is None else out + b[None, :, None, None]


def residual_block_forward(x, w1, b1, w2, b2, stride=1, w_proj=None, b_proj=None):
    h = np.maximum(_conv(x, w1, b1, stride, w1.shape[2] // 2), 0)
    y = _conv(h, w2, b2, 1, w2.shape[2] // 2)
    s = x if w_proj is None else _conv(x, w_proj, b_proj, stride, 0)
    return np.maximum(y + s, 0)
