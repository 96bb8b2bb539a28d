# Buggy: pads only the top and left (a folder whose single .py file is not named solution.py).
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, 0), (pw, 0)))
    N, C, H, W = xp.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, (H - KH) // sh + 1, (W - KW) // sw + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            region = xp[:, None, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
            out[:, :, i, j] = (region * w[None]).sum(axis=(2, 3, 4)) + b
    return out
