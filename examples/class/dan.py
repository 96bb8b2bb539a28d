# cnngrade exercise: conv2d-forward
# Buggy: "convolution" taken literally, the kernel is flipped (true convolution).
import numpy as np


def conv2d_forward(x, w, b, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    flipped = w[:, :, ::-1, ::-1]
    F, C, KH, KW = w.shape
    HO = (xp.shape[2] - KH) // sh + 1
    WO = (xp.shape[3] - KW) // sw + 1
    out = np.empty((x.shape[0], F, HO, WO))
    for i in range(HO):
        for j in range(WO):
            patch = xp[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
            out[:, :, i, j] = np.tensordot(patch, flipped, axes=([1, 2, 3], [1, 2, 3])) + b
    return out
