# cnngrade exercise: conv2d-forward
"""Correct: loops over output positions only, tensordot over (C, KH, KW)."""
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    if not isinstance(stride, (tuple, list)):
        stride = (stride, stride)
    if not isinstance(padding, (tuple, list)):
        padding = (padding, padding)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    HO = (H + 2 * padding[0] - KH) // stride[0] + 1
    WO = (W + 2 * padding[1] - KW) // stride[1] + 1
    xp = np.pad(x, [(0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2])
    out = np.empty((N, F, HO, WO))
    for i in range(HO):
        for j in range(WO):
            r, c = i * stride[0], j * stride[1]
            out[:, :, i, j] = np.tensordot(xp[:, :, r:r + KH, c:c + KW], w, axes=([1, 2, 3], [1, 2, 3]))
    return out + b.reshape(1, F, 1, 1)
