# cnngrade exercise: residual-block
"""Correct: im2col and one matrix product per convolution, in float32."""
import numpy as np


def im2col(x, KH, KW, stride, ph, pw):
    N, C, H, W = x.shape
    HO = (H + 2 * ph - KH) // stride + 1
    WO = (W + 2 * pw - KW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = np.empty((N, C, KH, KW, HO, WO), dtype=x.dtype)
    for u in range(KH):
        for v in range(KW):
            cols[:, :, u, v] = xp[:, :, u:u + stride * HO:stride, v:v + stride * WO:stride]
    # rows: (c, u, v); columns: (n, i, j)
    return cols.transpose(1, 2, 3, 0, 4, 5).reshape(C * KH * KW, N * HO * WO), (N, HO, WO)


def conv(x, w, b, stride, padding):
    F = w.shape[0]
    cols, (N, HO, WO) = im2col(x, w.shape[2], w.shape[3], stride, *padding)
    out = w.reshape(F, -1).astype(np.float32) @ cols
    if b is not None:
        out = out + b.astype(np.float32)[:, None]
    return out.reshape(F, N, HO, WO).transpose(1, 0, 2, 3)


def residual_block_forward(x, w1, b1, w2, b2, stride=1, w_proj=None, b_proj=None):
    x = x.astype(np.float32)
    h = np.maximum(conv(x, w1, b1, stride, (w1.shape[2] // 2, w1.shape[3] // 2)), 0)
    y = conv(h, w2, b2, 1, (w2.shape[2] // 2, w2.shape[3] // 2))
    s = x if w_proj is None else conv(x, w_proj, b_proj, stride, (0, 0))
    return np.maximum(y + s, 0)
