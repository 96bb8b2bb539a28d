# cnngrade exercise: conv2d-forward
"""Buggy (written fresh): a tuple stride is read as its first entry for both axes."""
# expect: stride_first_entry
# loses: stride_tuple all_at_once shape
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    st = stride[0] if isinstance(stride, (tuple, list)) else stride
    ph, pw = padding if isinstance(padding, (tuple, list)) else (padding, padding)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    HO = (H + 2 * ph - KH) // st + 1
    WO = (W + 2 * pw - KW) // st + 1
    out = np.zeros((N, F, HO, WO))
    for i in range(HO):
        for j in range(WO):
            win = xp[:, :, i * st:i * st + KH, j * st:j * st + KW]
            out[:, :, i, j] = np.einsum("nckl,fckl->nf", win, w) + b
    return out
