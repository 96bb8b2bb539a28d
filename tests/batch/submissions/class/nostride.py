# Buggy on purpose: ignores the stride (slides by one).
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = w.shape
    out = np.zeros((x.shape[0], F, xp.shape[2] - KH + 1, xp.shape[3] - KW + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = np.tensordot(xp[:, :, i:i + KH, j:j + KW], w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out
