# cnngrade exercise: im2col
"""Buggy: im2col puts the channel last in each column ((u, v, c) order)."""
# expect: im2col_channels_last
import numpy as np


def _pair(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def im2col(x, kh, kw, stride=1, padding=0):
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    N, C, H, W = x.shape
    HO = (H + 2 * ph - kh) // sh + 1
    WO = (W + 2 * pw - kw) // sw + 1
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = np.zeros((N, C * kh * kw, HO * WO))
    for i in range(HO):
        for j in range(WO):
            window = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]  # (N, C, kh, kw)
            cols[:, :, i * WO + j] = window.transpose(0, 2, 3, 1).reshape(N, C * kh * kw)
    return cols


def col2im(cols, x_shape, kh, kw, stride=1, padding=0):
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    N, C, H, W = x_shape
    HO = (H + 2 * ph - kh) // sh + 1
    WO = (W + 2 * pw - kw) // sw + 1
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    for i in range(HO):
        for j in range(WO):
            window = cols[:, :, i * WO + j].reshape(N, C, kh, kw)
            xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += window
    return xp[:, :, ph:ph + H, pw:pw + W]
