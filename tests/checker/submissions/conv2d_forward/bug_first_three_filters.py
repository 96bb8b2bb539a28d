# cnngrade exercise: conv2d-forward
"""Buggy (written fresh): computes the first three filters only (the notebook the student
tested with had three); the other output channels stay zero."""
# expect: silent
# loses: channels_filters all_at_once
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = stride if isinstance(stride, tuple) else (stride, stride)
    ph, pw = padding if isinstance(padding, tuple) else (padding, padding)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    HO, WO = (H + 2 * ph - KH) // sh + 1, (W + 2 * pw - KW) // sw + 1
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((N, F, HO, WO))
    for f in range(min(F, 3)):
        for i in range(HO):
            for j in range(WO):
                patch = xp[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
                out[:, f, i, j] = np.tensordot(patch, w[f], axes=3) + b[f]
    return out
