# cnngrade exercise: conv2d-forward
# Buggy: ignores the stride (always slides by one).
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = w.shape
    HO, WO = xp.shape[2] - KH + 1, xp.shape[3] - KW + 1
    out = np.zeros((x.shape[0], F, HO, WO))
    for f in range(F):
        for i in range(HO):
            for j in range(WO):
                out[:, f, i, j] = (xp[:, :, i:i + KH, j:j + KW] * w[f]).sum(axis=(1, 2, 3)) + b[f]
    return out
