# cnngrade exercise: conv2d-backward
"""Model solution: convolution backward pass, one einsum per kernel offset."""

import numpy as np


def _pair(v):
    return (v, v) if np.isscalar(v) else (int(v[0]), int(v[1]))


def conv2d_backward(dout, x, w, b, stride=1, padding=0):
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    HO, WO = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp = np.zeros_like(xp, dtype=float)
    dw = np.zeros(w.shape)
    for u in range(KH):
        for v in range(KW):
            rows = slice(u, u + sh * (HO - 1) + 1, sh)
            cols = slice(v, v + sw * (WO - 1) + 1, sw)
            # Output (i, j) saw input (i*sh + u, j*sw + v) through weight w[:, :, u, v].
            dw[:, :, u, v] = np.einsum("nfhw,nchw->fc", dout, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, w[:, :, u, v])
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, ph:ph + H, pw:pw + W], dw, db
