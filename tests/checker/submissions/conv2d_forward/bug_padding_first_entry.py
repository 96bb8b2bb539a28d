# cnngrade exercise: conv2d-forward
"""Buggy (written fresh): a tuple padding is read as its first entry for both axes."""
# expect: padding_first_entry
# loses: padding_tuple all_at_once shape
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    s = stride if isinstance(stride, (tuple, list)) else (stride, stride)
    p = padding[0] if isinstance(padding, (tuple, list)) else padding
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    HO = (xp.shape[2] - KH) // s[0] + 1
    WO = (xp.shape[3] - KW) // s[1] + 1
    out = np.empty((N, F, HO, WO))
    for i in range(HO):
        for j in range(WO):
            win = xp[:, :, i * s[0]:i * s[0] + KH, j * s[1]:j * s[1] + KW]
            out[:, :, i, j] = np.einsum("nckl,fckl->nf", win, w)
    return out + b.reshape(1, F, 1, 1)
