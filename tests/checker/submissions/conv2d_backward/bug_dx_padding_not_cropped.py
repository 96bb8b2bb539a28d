# cnngrade exercise: conv2d-backward
"""Buggy: returns the gradient of the padded input."""
# expect: dx_padding_not_cropped
import numpy as np


def conv2d_backward(dout, x, w, b, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    _, _, HO, WO = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            for i in range(HO):
                for j in range(WO):
                    window = xp[n, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
                    dw[f] += window * dout[n, f, i, j]
                    dxp[n, :, i * sh:i * sh + KH, j * sw:j * sw + KW] += w[f] * dout[n, f, i, j]
    dx = dxp
    return dx, dw, db
