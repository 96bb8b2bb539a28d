# cnngrade exercise: conv2d-backward
"""Buggy (written fresh): the gradient of each window is assembled over the filters, but the
assignment inside the filter loop keeps only the last filter's share (right when F == 1)."""
# expect: silent
# loses: channels_batch all_at_once
import numpy as np


def conv2d_backward(dout, x, w, b, stride=1, padding=0):
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    ph, pw = (padding, padding) if np.isscalar(padding) else padding
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    _, _, HO, WO = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for n in range(N):
        for i in range(HO):
            for j in range(WO):
                r, c = i * sh, j * sw
                for f in range(F):
                    dw[f] += xp[n, :, r:r + KH, c:c + KW] * dout[n, f, i, j]
                    share = w[f] * dout[n, f, i, j]
                dxp[n, :, r:r + KH, c:c + KW] += share
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, ph:ph + H, pw:pw + W], dw, db
