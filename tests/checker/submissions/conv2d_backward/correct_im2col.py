# cnngrade exercise: conv2d-backward
"""Correct: im2col for dw, col2im scatter for dx (float32)."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d_backward(dout, x, w, b, stride=1, padding=0):
    sh, sw = stride if isinstance(stride, tuple) else (stride, stride)
    ph, pw = padding if isinstance(padding, tuple) else (padding, padding)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    HO, WO = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))).astype(np.float32)
    cols = sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::sh, ::sw][:, :, :HO, :WO]
    cols = cols.transpose(0, 2, 3, 1, 4, 5).reshape(N * HO * WO, C * KH * KW)
    g = dout.transpose(0, 2, 3, 1).reshape(N * HO * WO, F).astype(np.float32)
    dw = (g.T @ cols).reshape(w.shape)
    dcols = (g @ w.reshape(F, -1).astype(np.float32)).reshape(N, HO, WO, C, KH, KW)
    dxp = np.zeros(xp.shape, dtype=np.float32)
    for i in range(HO):
        for j in range(WO):
            dxp[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW] += dcols[:, i, j]
    return dxp[:, :, ph:ph + H, pw:pw + W], dw, dout.sum(axis=(0, 2, 3))
