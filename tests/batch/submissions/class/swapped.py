# Buggy on purpose: reads a stride tuple as (width, height).
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sw, sh = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, KH, KW = w.shape
    HO = (xp.shape[2] - KH) // sh + 1
    WO = (xp.shape[3] - KW) // sw + 1
    out = np.zeros((x.shape[0], F, HO, WO))
    for i in range(HO):
        for j in range(WO):
            patch = xp[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out
