# cnngrade exercise: residual-block
"""Correct: a plain-loop convolution (the slow, obvious style)."""
import numpy as np


def conv(x, w, b, stride, ph, pw):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    HO = (H + 2 * ph - KH) // stride + 1
    WO = (W + 2 * pw - KW) // stride + 1
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    xp[:, :, ph:ph + H, pw:pw + W] = x
    out = np.zeros((N, F, HO, WO))
    for n in range(N):
        for f in range(F):
            for i in range(HO):
                for j in range(WO):
                    window = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[n, f, i, j] = np.sum(window * w[f])
                    if b is not None:
                        out[n, f, i, j] += b[f]
    return out


def relu(a):
    out = a.copy()
    out[out < 0] = 0
    return out


def residual_block_forward(x, w1, b1, w2, b2, stride=1, w_proj=None, b_proj=None):
    h = relu(conv(x, w1, b1, stride, (w1.shape[2] - 1) // 2, (w1.shape[3] - 1) // 2))
    y = conv(h, w2, b2, 1, (w2.shape[2] - 1) // 2, (w2.shape[3] - 1) // 2)
    if w_proj is None:
        shortcut = x
    else:
        shortcut = conv(x, w_proj, b_proj, stride, 0, 0)
    return relu(y + shortcut)
