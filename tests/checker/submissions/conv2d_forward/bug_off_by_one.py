# cnngrade exercise: conv2d-forward
"""Buggy: output one row and column short (no +1)."""
# expect: output_one_short
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    if isinstance(stride, int):
        stride = (stride, stride)
    if isinstance(padding, int):
        padding = (padding, padding)
    sh, sw = stride
    ph, pw = padding
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    HO = (H + 2 * ph - KH) // sh
    WO = (W + 2 * pw - KW) // sw
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode="constant")
    out = np.zeros((N, F, HO, WO))
    for n in range(N):
        for f in range(F):
            for i in range(HO):
                for j in range(WO):
                    window = xp[n, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out
